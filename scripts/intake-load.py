#!/usr/bin/env python3
"""Load for `warroom intake` (scripts/bench-intake): posts Alertmanager webhook notifications
(payload version 4) and times each answer, which intake sends only once the entries are on
disk or in the store.

  intake-load.py latency PORT N      N notifications one after another, each a new group
                                     (opens an incident), then N each adding a firing alert to
                                     one of those groups; prints p50/p99/max of both.
  intake-load.py rate PORT RATE SECS RATE notifications a second for SECS seconds, paced, each a
                                     new alert in one of 20 groups; prints how many were
                                     answered 200, the achieved rate and p50/p99/max.
"""
import http.client, json, sys, threading, time

def payload(group, alert, status="firing"):
    started = "2026-12-05T03:%02d:%02d.123456789Z" % (alert // 60 % 60, alert % 60)
    labels = {"alertname": group, "severity": "critical", "instance": "host-%d" % alert}
    return json.dumps({
        "receiver": "web\\.hook", "status": status, "version": "4",
        "groupKey": '{}:{alertname="%s"}' % group, "truncatedAlerts": 0,
        "groupLabels": {"alertname": group}, "commonLabels": {"alertname": group, "severity": "critical"},
        "commonAnnotations": {"summary": "%s firing" % group}, "externalURL": "http://alertmanager:9093",
        "alerts": [{"status": status, "labels": labels, "annotations": {"summary": "%s on host-%d" % (group, alert)},
                    "startsAt": started, "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus/graph",
                    "fingerprint": "%016x" % (hash((group, alert)) & 0xFFFFFFFFFFFFFFFF)}],
    }).encode()

def post(connection, body):
    started = time.monotonic()
    connection.request("POST", "/alerts", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status, (time.monotonic() - started) * 1000

def quantiles(values):
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(round(q * (len(values) - 1))))]
    return "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d)" % (pick(0.5), pick(0.99), values[-1], len(values))

def latency(port, count):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    opened, added = [], []
    for i in range(count):
        status, ms = post(connection, payload("Open%d" % i, 0))
        assert status == 200, status
        opened.append(ms)
    for i in range(count):
        status, ms = post(connection, payload("Open%d" % (i % count), i + 1))
        assert status == 200, status
        added.append(ms)
    print("new group (opens an incident): " + quantiles(opened))
    print("new alert in an open incident: " + quantiles(added))

def rate(port, per_second, seconds):
    total = int(per_second * seconds)
    results, lock = [], threading.Lock()
    start = time.monotonic() + 0.2
    def worker(offset, step):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(offset, total, step):
            delay = start + i / per_second - time.monotonic()
            if delay > 0: time.sleep(delay)
            try:
                status, ms = post(connection, payload("Rate%d" % (i % 20), i))
            except Exception as error:
                status, ms = str(error), 0
            with lock: results.append((status, ms))
    threads = [threading.Thread(target=worker, args=(k, 8)) for k in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    elapsed = time.monotonic() - start
    ok = [ms for status, ms in results if status == 200]
    print("%d of %d answered 200 in %.1f s (%.0f/s); %s" % (len(ok), total, elapsed, total / elapsed, quantiles(ok)))
    if len(ok) != total: sys.exit(1)

if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "latency": latency(port, int(sys.argv[3]))
    else: rate(port, float(sys.argv[3]), float(sys.argv[4]))
