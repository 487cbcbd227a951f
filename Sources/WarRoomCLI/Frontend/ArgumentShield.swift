import Foundation
import WarRoomPostgres

/// Keeps a store's password off the command line. A password in `--store URL` is visible to
/// every local user in `ps` for as long as warroom runs, and to a `!` command that reads its
/// parent's arguments: warroom moves it into `PGPASSWORD` (readable by this user only, and
/// taken out of a `!` command's environment) and runs itself again with the rest of the URL's
/// options, before anything else happens.
enum ArgumentShield {
    /// Set in the environment of the run that already moved the password.
    static let marker = "WARROOM_PASSWORD_MOVED"

    /// Runs warroom again without the password in its arguments, when one is there; returns
    /// (going on as it is) when there is none, or when it cannot.
    static func hidePasswords() {
        guard getenv(marker) == nil else {
            unsetenv(marker)
            return
        }
        var arguments = CommandLine.arguments
        var passwords: Set<String> = []
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            var prefix = ""
            var value: String?
            if argument == "--store", index + 1 < arguments.count {
                index += 1
                value = arguments[index]
            } else if argument.hasPrefix("--store=") {
                prefix = "--store="
                value = String(argument.dropFirst(prefix.count))
            } else if argument.hasPrefix("postgres://") || argument.hasPrefix("postgresql://") {
                value = argument
            }
            if let value, let split = ConnectionString(value).withoutPassword {
                passwords.insert(split.password)
                arguments[index] = prefix + split.options
            }
            index += 1
        }
        // Two different passwords cannot both travel in PGPASSWORD: leave them (rare).
        guard passwords.count == 1, let password = passwords.first else { return }
        setenv("PGPASSWORD", password, 1)
        setenv(marker, "1", 1)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // exec failed: go on with the arguments as they were.
        for pointer in argv { free(pointer) }
        unsetenv(marker)
    }
}
