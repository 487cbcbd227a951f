import Testing
@testable import WarRoomPostgres

@Suite struct ConnectionStringTests {
    @Test func connectionStringsArePrintedWithoutTheirPassword() {
        let url = ConnectionString("host=/run/postgresql dbname=warroom user=alice password='s3 cr3t'")
        #expect(url.description == "user=alice dbname=warroom host=/run/postgresql")
        #expect(url.redact("missing \"=\" after \"s3 cr3t\" in connection info string") == "missing \"=\" after \"***\" in connection info string")
        let uri = ConnectionString("postgresql://alice:s3cr3t@db.example:5433/warroom?sslmode=require")
        #expect(!uri.description.contains("s3cr3t"))
        #expect(uri.description.contains("host=db.example") && uri.description.contains("sslmode=require"))
        #expect(uri.redact("invalid token s3cr3t here") == "invalid token *** here")
    }

    @Test func aPasswordLibpqCannotParseIsStillFound() {
        #expect(ConnectionString.scanSecrets("host=x password = 'a b\\'c' user=y").contains("a b'c"))
        #expect(ConnectionString.scanSecrets("postgresql://u:p%zzw@h/db").contains("p%zzw"))
        #expect(ConnectionString.scanSecrets("postgresql:///db?user=u&password=abc&sslmode=require").contains("abc"))
        let broken = ConnectionString("host=x password=topsecret brokenpair")
        #expect(broken.description == "(a connection string libpq cannot read)")
        #expect(broken.redact("missing \"=\" after \"topsecret brokenpair\"") == "missing \"=\" after \"***\"")
    }
}
