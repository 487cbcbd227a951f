import ArgumentParser
import Foundation
import WarRoomHTTP
import WarRoomKit
import WarRoomPostgres

struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Open an incident and enter the shell.",
        discussion: "With no options, opens a drill of the bundled load-balancer playbook on its simulated scenario. A drill on a scenario runs a virtual clock from the scenario's start (--speed 0 moves it only on 'advance'); a session with no scenario or a real target runs on the wall clock. Commands are read from the terminal (line editing, history, completion) or, when stdin is not a terminal, one per line from the pipe.")

    @Option(help: "Playbook id or path (ids are looked up in --playbooks, $WARROOM_PLAYBOOKS, then ./Playbooks).")
    var playbook: String?

    @Option(help: "Simulation scenario id or path (default: the playbook's scenario).")
    var scenario: String?

    @Option(help: "Incident title.")
    var title: String?

    @Option(help: "Severity, SEV-1 (highest) … SEV-5.")
    var severity: String?

    @Option(name: .customLong("as"), help: "Responder name (default: $WARROOM_USER or $USER).")
    var responder: String?

    @Option(help: "Incident clock: wall or virtual.")
    var clock: ClockMode?

    // Unconditional, so that `--speed -1` is read as a value and refused as one.
    @Option(parsing: .unconditional, help: "Virtual clock speed in simulated seconds per real second, 0…1000000; 0 moves only on 'advance'.")
    var speed: Double?

    @Option(help: "Probe target: sim, or haproxy:/path/to.sock, haproxy:HOST:PORT[,backend=NAME].")
    var target: String?

    @Option(help: "Folder for transcripts (default: $WARROOM_TRANSCRIPTS or ./Transcripts, created if missing); with --store, where 'close' writes the export and the postmortem.")
    var transcripts: String?

    @Option(name: .customLong("store"), help: ArgumentHelp(
        "Open the incident in a shared PostgreSQL store (libpq URL or key=value string; default $WARROOM_STORE unless --transcripts is given): others enter it with 'warroom join ID'.",
        valueName: "URL"))
    var store: String?

    @Option(help: "Folder to look up playbook ids in.")
    var playbooks: String?

    @Flag(help: "Let a piped script run '!' system shell commands.")
    var allowShell = false

    @Option(help: "How long a '!' command may run before it is stopped (e.g. 30s, 2m; at most 1d).")
    var shellTimeout = "30s"

    @Option(parsing: .unconditional, help: "How many bytes of a '!' command's output are kept, 1 to 64 MiB (the rest is counted, not stored).")
    var shellOutputCap = 65_536

    @Flag(help: "A free-form incident: no playbook (and no scenario unless --scenario names one).")
    var freeForm = false

    /// Set by `warroom drill host`: the one opening the drill is its facilitator.
    @Flag(help: .hidden)
    var hostDrill = false

    @Option(help: ArgumentHelp("Write up a past incident: the incident clock starts at TIME (an ISO-8601 instant, e.g. 2019-07-02T13:42:00Z), virtual and still; 'at TIME' and 'advance' move it, and every entry carries its incident time.", valueName: "TIME"))
    var from: String?

    @OptionGroup var metrics: MetricsOption

    @OptionGroup var notify: NotifyOption

    @Option(help: ArgumentHelp("Open the incident from a saved Alertmanager webhook payload (version 4), or - to read it from stdin: title, severity and playbook from --routes, 'detected' at the alert's start.", valueName: "FILE|-"))
    var alert: String?

    @Option(help: ArgumentHelp("Open the incident from an alert firing in Alertmanager (with --fingerprint; 'warroom alerts' lists them).", valueName: "URL"))
    var alertmanager: String?

    @Option(help: ArgumentHelp("The fingerprint of the alert to open the incident from (a unique prefix will do).", valueName: "F"))
    var fingerprint: String?

    @Option(help: ArgumentHelp("YAML file mapping alerts to severities and playbooks, for --alert and --alertmanager (docs/ALERTS.md).", valueName: "FILE"))
    var routes: String?

    func run() throws {
        // Checked before the incident opens, so that a mistyped limit leaves no transcript behind.
        let shellLimits: ShellRunner.Limits
        do {
            shellLimits = try ShellLimitsOption.limits(timeout: shellTimeout, cap: shellOutputCap)
        } catch {
            throw Failure.exit(error)
        }
        var options = StartOptions(responder: responder ?? Environment.responder, transcriptsFolder: transcripts ?? Environment.transcriptsFolder)
        options.title = title
        options.severity = severity
        options.clockMode = clock
        options.speed = speed
        options.target = target
        options.allowShell = allowShell
        options.playbook = playbook
        options.scenario = scenario
        options.freeForm = freeForm
        options.hostsDrill = hostDrill
        options.playbookFolders = Environment.playbookFolders(explicit: playbooks)
        if let from {
            guard let instant = Instant.parseISO8601(from) else {
                throw Failure.exit(StartError.invalid("--from '\(from)' is not a time: give the ISO-8601 instant the incident began, e.g. 2019-07-02T13:42:00Z (UTC)"))
            }
            options.from = instant
        }
        // Checked before the incident opens, like the limits: a mistyped URL or map leaves no transcript.
        let metricsProbes: PrometheusProbes?
        do {
            metricsProbes = try metrics.probes()
        } catch {
            throw Failure.exit(error)
        }
        if let metricsProbes {
            options.metrics = metricsProbes.backend.label
            options.metricsMap = metricsProbes.map.origin
        }
        let opening: (payload: AlertmanagerPayload, routes: AlertRoutes)?
        let receivers: NotifyConfig?
        do {
            receivers = try notify.config()
            opening = try alertOpening()
        } catch {
            throw Failure.exit(error)
        }
        let session: Session
        var notices: [String]
        do {
            if transcripts == nil { try FileManager.default.createDirectory(atPath: options.transcriptsFolder, withIntermediateDirectories: true) }
        } catch {
            throw Failure.exit(TranscriptError.notWritable(path: options.transcriptsFolder, reason: "cannot create the folder"))
        }
        // A store given with --store, or $WARROOM_STORE when no --transcripts says to use files.
        let storeURL = store ?? (transcripts == nil ? TranscriptSource.storeURL(nil) : nil)
        do {
            var source = SystemTime.source
            if let storeURL {
                _ = try RoomConnection.localFolder(transcripts)
                let url = ConnectionString(storeURL)
                source = try RoomConnection.databaseTime(url: url)
                options.provider = PostgresIncidentProvider(url: url)
            }
            if let opening {
                (session, _) = try AlertIntake.open(opening.payload, routes: opening.routes, options: options, source: source)
                notices = []
            } else {
                (session, notices) = try Session.start(options, source: source)
            }
            try RoomConnection.listenIfInteractive(session)
        } catch {
            throw Failure.exit(error)
        }
        session.shellLimits = shellLimits
        if let metricsProbes { session.attachMetrics(metricsProbes) }
        notices += notify.attach(receivers, to: session)
        var banner = ["warroom \(Session.programVersion) — \(session.state.severity) \(session.state.title)"]
        banner += storeURL == nil ? ["Transcript: \(session.path)"] : RoomConnection.banner(session)
        if let playbook = session.playbook { banner.append("Playbook: \(playbook.id) v\(playbook.version) — \(playbook.title)") }
        if session.isFacilitator {
            banner.append("You are this drill's facilitator: 'truth' shows what the responders cannot see, 'whisper' and 'hint NAME' are private, 'inject' delivers a twist to the room (docs/DRILLS.md).")
        }
        if let probes = session.metricsProbes { banner.append("Metrics: \(probes.label), probes wait at most \(ProbeWindow.seconds(probes.timeoutSeconds))") }
        if let target = session.target { banner.append("Load balancer: \(target.label)" + (session.clock.mode == .virtual ? " · virtual clock ×\(session.clock.speed == 0 ? "0 (moves on 'advance')" : String(session.clock.speed))" : "")) }
        banner.append(storeURL == nil ? "Type 'help' for commands; Tab completes; Ctrl-D pauses (resume with 'warroom resume')."
                      : "Type 'help' for commands, 'who' for who is here; quit or Ctrl-D leaves the room (the incident stays open), 'close' ends it.")
        throw ShellLoop.run(session, banner: banner, notices: notices)
    }
}

extension Start {
    /// The notification `--alert` or `--alertmanager --fingerprint` opens the incident from.
    func alertOpening() throws -> (payload: AlertmanagerPayload, routes: AlertRoutes)? {
        let fromEnvironment = ProcessInfo.processInfo.environment["WARROOM_ALERTMANAGER"].flatMap { $0.isEmpty ? nil : $0 }
        // It may hold credentials: a `!` command of this shell cannot print them.
        NotifyOption.scrub(["WARROOM_ALERTMANAGER"])
        let alertmanager = self.alertmanager ?? (fingerprint != nil ? fromEnvironment : nil)
        guard alert != nil || alertmanager != nil || fingerprint != nil else {
            if routes != nil { throw StartError.conflict("--routes maps alerts to playbooks; it goes with --alert FILE or --alertmanager URL --fingerprint F") }
            return nil
        }
        if alert != nil, alertmanager != nil || fingerprint != nil {
            throw StartError.conflict("--alert opens from a saved payload, --alertmanager from a firing alert: give one")
        }
        if scenario != nil || from != nil {
            throw StartError.conflict("an incident opened from an alert is a real one: drop \(scenario != nil ? "--scenario" : "--from")")
        }
        let payload: AlertmanagerPayload
        if let alert {
            let bytes: [UInt8]
            if alert == "-" {
                bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
                // The payload came through stdin; the shell's commands come from the terminal, if there is one.
                // (Read through the descriptor, so the C stream never saw the end of the pipe.)
                let tty = open("/dev/tty", O_RDONLY | O_CLOEXEC)
                if tty >= 0 {
                    dup2(tty, STDIN_FILENO)
                    close(tty)
                }
            } else {
                guard let data = FileManager.default.contents(atPath: alert) else {
                    throw StartError.invalid("--alert \(alert): no such file, or it cannot be read; give a saved Alertmanager webhook payload (JSON)")
                }
                bytes = Array(data)
            }
            do {
                payload = try AlertmanagerPayload.parse(bytes)
            } catch let error as AlertPayloadError {
                throw StartError.invalid("--alert \(alert == "-" ? "(stdin)" : alert): \(error.reason)")
            }
            guard payload.alerts.contains(where: \.firing) else {
                throw StartError.invalid("--alert \(alert == "-" ? "(stdin)" : alert): every alert in it is resolved; there is nothing to open an incident for")
            }
        } else {
            guard let fingerprint, let alertmanager else {
                throw StartError.invalid("--alertmanager URL (or $WARROOM_ALERTMANAGER) and --fingerprint F go together: 'warroom alerts --alertmanager URL' lists the fingerprints")
            }
            // Unreachable, or no such alert: said in one line without the URL's credentials (exit 74).
            payload = try AlertmanagerAPI(url: alertmanager).payload(fingerprint: fingerprint)
        }
        return (payload, try routes.map(AlertRoutes.load(path:)) ?? AlertRoutes())
    }
}

extension ClockMode: ExpressibleByArgument {}

/// Validates the `!` command limits given on the command line.
enum ShellLimitsOption {
    static func limits(timeout: String, cap: Int) throws -> ShellRunner.Limits {
        let ms: Double
        do {
            ms = try Bounds.duration(timeout, Bounds.shellTimeout)
        } catch {
            throw StartError.invalid("--shell-timeout takes a duration like 30s or 2m: \(error)")
        }
        guard Bounds.shellOutputCap.contains(Double(cap)) else {
            throw StartError.invalid("--shell-output-cap must be a number of bytes, \(Bounds.shellOutputCap.range), not \(cap)")
        }
        return ShellRunner.Limits(timeoutSeconds: ms / 1000, outputCapBytes: cap)
    }
}
