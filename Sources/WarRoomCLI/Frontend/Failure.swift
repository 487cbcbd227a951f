import ArgumentParser
import Foundation
import WarRoomKit
import WarRoomPostgres

/// Prints a one-line error to stderr and turns it into the right exit code.
enum Failure {
    static func exit(_ error: Error) -> ExitCode {
        switch error {
        case let error as TranscriptError:
            Terminal.error(error.description)
            return ExitCode(error.exitCode)
        case let error as InputFileError:
            for diagnostic in error.diagnostics { Terminal.errorLine(diagnostic.description) }
            return ExitCode(65)
        case let error as StartError:
            Terminal.error(error.description)
            if case .closed = error { return ExitCode(1) }
            return ExitCode(64)
        case let error as PostgresStoreError:
            Terminal.error(error.description)
            return ExitCode(error.exitCode)
        case let error as PrivateFileError:
            Terminal.error(error.description)
            return ExitCode(74)
        case let error as RoomError:
            Terminal.error(error.description)
            return ExitCode(74)
        case let error as CommandError:
            Terminal.error(error.description)
            return ExitCode(64)
        default:
            Terminal.error(String(describing: error))
            return ExitCode(74)
        }
    }
}
