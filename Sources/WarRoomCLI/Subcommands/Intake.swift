import ArgumentParser
import Foundation
import WarRoomHTTP
import WarRoomKit
import WarRoomPostgres

struct Intake: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Receive Alertmanager's webhooks and open or update incidents from them.",
        discussion: """
            Listens for Alertmanager's webhook notifications (payload version 4) on POST /alerts (or /). Each alert group \
            (groupKey) opens one incident, as a transcript in --transcripts (a responder 'resume's it; intake appends only \
            while no shell holds it) or in a shared store with --store (responders 'join'). Later notifications for the group \
            record new firing and resolved alerts, once each however often Alertmanager sends them again. An answer 2xx \
            means the entries are on disk (or in the store); 5xx means they are not all there and Alertmanager will retry \
            (what went in is not recorded twice); 400 is a payload that will never be valid. Logs one line per request on stderr; SIGTERM stops it cleanly. \
            See docs/ALERTS.md for the routes file, Alertmanager's receiver and a systemd unit.
            """)

    @Option(help: ArgumentHelp("Address to listen on, HOST:PORT (e.g. 127.0.0.1:9095; port 0 picks a free one, printed on start).", valueName: "HOST:PORT"))
    var listen: String

    @Option(help: "Folder for the incidents' transcripts (default: $WARROOM_TRANSCRIPTS or ./Transcripts, created if missing).")
    var transcripts: String?

    @Option(name: .customLong("store"), help: ArgumentHelp("Open incidents in a shared PostgreSQL store instead (libpq URL; default $WARROOM_STORE unless --transcripts is given).", valueName: "URL"))
    var store: String?

    @Option(help: ArgumentHelp("YAML file mapping alerts to severities and playbooks (docs/ALERTS.md; default: severity label critical → SEV-1, error → SEV-2, warning → SEV-3, info → SEV-4; no playbook).", valueName: "FILE"))
    var routes: String?

    @Option(help: ArgumentHelp("File holding the bearer token Alertmanager sends (http_config.authorization.credentials_file); readable by its owner only.", valueName: "FILE"))
    var tokenFile: String?

    @Flag(help: "Accept requests with no token: only when listening on a loopback address.")
    var insecureNoAuth = false

    @Option(help: "Folder to look up playbook ids in.")
    var playbooks: String?

    func run() throws {
        do {
            try serve()
        } catch let error as ExitCode {
            throw error
        } catch {
            throw Failure.exit(error)
        }
    }

    private func serve() throws {
        // SIGTERM and SIGINT are held pending from the start, in this thread and every thread
        // started after it, and taken by `sigwait` below: one sent at any moment, even before
        // the server listens, stops it cleanly (a handler installed later could miss it).
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        let (host, port) = try Self.address(listen)
        let token = try IntakeToken.resolve(file: tokenFile, insecure: insecureNoAuth, host: host)
        let routes = try self.routes.map(AlertRoutes.load(path:)) ?? AlertRoutes()
        let folder = transcripts ?? Environment.transcriptsFolder
        let destination: any AlertDestination
        var source = SystemTime.source
        if let url = store ?? (transcripts == nil ? TranscriptSource.storeURL(nil) : nil) {
            let connection = ConnectionString(url)
            // A room's times are the database server's, as every shell in it reads them.
            source = try RoomConnection.databaseTime(url: connection)
            destination = PostgresAlertDestination(url: connection)
        } else {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw TranscriptError.notWritable(path: folder, reason: "cannot create the folder")
            }
            destination = AlertFolder(folder: folder)
        }
        let intake = AlertIntake(routes: routes, destination: destination, playbookFolders: Environment.playbookFolders(explicit: playbooks),
                                 transcriptsFolder: folder, source: source)
        let receiver = IntakeReceiver(intake: intake, token: token)
        let server = try HTTPServer(host: host, port: port, maximumBody: IntakeReceiver.maximumBody) { request in
            receiver.handle(request)
        }
        Terminal.errorLine("warroom intake \(Session.programVersion): listening on http://\(host.contains(":") ? "[\(host)]" : host):\(server.port)/alerts"
            + " → \(destination.label)\(token == nil ? " (no token: loopback only)" : ""); routes: \(routes.origin)")
        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        Terminal.errorLine("warroom intake: stopping on \(received == SIGINT ? "SIGINT" : "SIGTERM") (finishing the requests being recorded)")
        server.stop()
        Terminal.errorLine("warroom intake: stopped")
    }

    /// `127.0.0.1:9095`, `[::1]:9095`, `localhost:9095`.
    static func address(_ text: String) throws -> (String, Int) {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(after: close)...].drop { $0 == ":" }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            throw StartError.invalid("--listen '\(text)' names no port: give HOST:PORT, e.g. 127.0.0.1:9095")
        }
        if host == "localhost" { host = "127.0.0.1" }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else {
            throw StartError.invalid("--listen '\(text)' is not HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.1:9095")
        }
        return (String(host), port)
    }
}

/// The bearer token intake requires, read once from its file.
enum IntakeToken {
    static func resolve(file: String?, insecure: Bool, host: String) throws -> String? {
        if insecure {
            guard file == nil else { throw StartError.conflict("--insecure-no-auth accepts requests without a token; drop it, or drop --token-file") }
            guard host.hasPrefix("127.") || host == "::1" else {
                throw StartError.invalid("--insecure-no-auth is for loopback only (127.0.0.1, ::1); on \(host), give --token-file FILE")
            }
            return nil
        }
        guard let file else {
            throw StartError.invalid("intake needs the bearer token Alertmanager sends: --token-file FILE (chmod 600), or --insecure-no-auth on loopback")
        }
        var status = stat()
        guard stat(file, &status) == 0 else { throw StartError.invalid("--token-file \(file): \(String(cString: strerror(errno)))") }
        guard status.st_mode & 0o077 == 0 else {
            throw StartError.invalid("--token-file \(file) can be read by others (mode \(String(status.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: file),
              let token = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty
        else {
            throw StartError.invalid("--token-file \(file) is empty or not text; put the token on its one line")
        }
        return token
    }
}

/// Answers one HTTP request: checks the path, the token and the payload, records, logs a line.
final class IntakeReceiver: @unchecked Sendable {
    /// Alertmanager's notifications hold every alert of a group unless `max_alerts` limits
    /// them: a mass outage of thousands of hosts, at a few kilobytes each, fits.
    static let maximumBody = 32 << 20
    let intake: AlertIntake
    let token: String?

    init(intake: AlertIntake, token: String?) {
        self.intake = intake
        self.token = token
    }

    /// Runs on the server's one handler queue: one notification is recorded at a time.
    func handle(_ request: HTTPRequest) -> HTTPResponse {
        let started = SystemTime.source.monotonicSeconds()
        let response = answer(request)
        let took = (SystemTime.source.monotonicSeconds() - started) * 1000
        let path = request.path.split(separator: "?").first.map(String.init) ?? request.path
        let line = "\(SystemTime.source.wallNow().iso8601) \(request.remote) \(Display.firstLine(request.method, limit: 10)) \(Display.firstLine(path, limit: 80)) \(response.status) "
            + "\(String(format: "%.1f", took)) ms \(response.body.trimmingCharacters(in: .whitespacesAndNewlines))"
        Terminal.errorLine(line)
        return response
    }

    private func answer(_ request: HTTPRequest) -> HTTPResponse {
        let path = request.path.split(separator: "?").first.map(String.init) ?? request.path
        if path == "/healthz" || path == "/-/healthy" { return HTTPResponse(status: 200, body: "ok\n") }
        guard path == "/alerts" || path == "/" else {
            return HTTPResponse(status: 404, body: "no such path: Alertmanager's webhook posts to /alerts\n")
        }
        guard request.method == "POST" else { return HTTPResponse(status: 405, body: "POST an Alertmanager webhook notification to /alerts\n") }
        guard !request.bodyTooLarge else {
            return HTTPResponse(status: 413, body: "the body is larger than \(Self.maximumBody >> 20) MiB; set max_alerts in Alertmanager's webhook receiver\n")
        }
        if let token {
            let given = request.header("Authorization") ?? ""
            // The scheme is case-insensitive (RFC 9110); the token is not.
            guard given.lowercased().hasPrefix("bearer "), Self.same(String(given.dropFirst(7)).trimmingCharacters(in: .whitespaces), token) else {
                return HTTPResponse(status: 401, body: given.isEmpty ? "no bearer token: set http_config.authorization in Alertmanager's receiver\n"
                                    : "the bearer token is not intake's\n")
            }
        }
        let payload: AlertmanagerPayload
        do {
            payload = try AlertmanagerPayload.parse(request.body)
        } catch {
            return HTTPResponse(status: 400, body: "\(error)\n")
        }
        do {
            return HTTPResponse(status: 200, body: try intake.receive(payload).text + "\n")
        } catch let error as TranscriptError {
            if case .locked = error {
                return HTTPResponse(status: 503, body: "not recorded: \(error); Alertmanager will send it again\n")
            }
            return HTTPResponse(status: 500, body: "not recorded: \(error); Alertmanager will send it again\n")
        } catch {
            return HTTPResponse(status: 500, body: "not recorded: \(error); Alertmanager will send it again\n")
        }
    }

    /// Compares without stopping at the first difference.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<min(x.count, y.count) { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
