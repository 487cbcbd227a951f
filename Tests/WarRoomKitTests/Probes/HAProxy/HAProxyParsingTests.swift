import Testing
import WarRoomKit

/// HAProxy's answers as it sends them, read without a running HAProxy.
@Suite struct HAProxyParsingTests {
    /// Trimmed from HAProxy 2.6's `show stat`: a frontend, two servers, a backend.
    static let statSample = """
        # pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,
        web,FRONTEND,,,0,2,9981,25,2050,1875,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,5,0,25,,,,0,25,0,0,0,0,,5,25,25,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,http,,
        app,web1,0,0,3,4,,120,820,750,,2,,1,4,0,0,UP,100,1,0,0,0,62,0,,1,3,1,,118,,2,7,,10,L7OK,200,0,0,110,0,0,6,0,,,,10,0,0,,,,,1,Layer7 check passed,,0,0,12,31,,,,Layer7 check passed,,1,1,1,,,,127.0.0.1:18081,,http,,
        app,web4,0,0,0,0,,0,0,0,,0,,9,0,0,0,DOWN,100,1,0,5,1,2,2,,1,3,4,,0,,2,0,,0,L4CON,,0,0,0,0,0,0,0,,,,0,0,0,,,,,-1,Connection refused,,0,0,0,0,,,,Layer4 connection problem,,1,1,0,,,,127.0.0.1:18089,,http,,
        app,BACKEND,0,0,0,1,999,25,2050,1875,0,0,,0,0,0,0,UP,250,3,0,,0,2,0,,1,3,0,,25,,1,5,,25,,,,0,25,0,0,0,0,,,,25,0,0,0,0,0,0,1,,,0,0,0,0,,,,,,,,,,,,,,http,roundrobin,


        """

    @Test func readsShowStatByItsHeader() throws {
        let table = try #require(HAProxyStatTable(csv: Self.statSample))
        #expect(table.rows.count == 4)
        #expect(table.columns.first == "pxname")
        #expect(table.columns.last == "algo")
        #expect(table.backends == ["app"])
        #expect(table.backendsWithServers == ["app"])
        let servers = table.rows(of: .server, in: "app").map(HAProxyServerStats.init(row:))
        #expect(servers.map(\.stats.name) == ["web1", "web4"])
        let web1 = servers[0]
        #expect(web1.stats == ServerStats(backend: "app", name: "web1", status: "UP", weight: 100, scur: 3, qcur: 0, stot: 120, rate: 7,
                                          hrsp5xx: 6, econ: 1, eresp: 4, chkfail: 0, lastchg: 62, rtime: 12, ttime: 31, checkStatus: "L7OK"))
        #expect(web1.lbtot == 118)
        #expect(web1.address == "127.0.0.1:18081")
        let web4 = servers[1]
        #expect(web4.stats.status == "DOWN")
        #expect(web4.stats.checkStatus == "L4CON")
        #expect(web4.stats.chkfail == 5)
        #expect(web4.lastCheck == "Connection refused")
        #expect(web4.checkDescription == "Layer4 connection problem")
    }

    @Test func survivesColumnsAddedMovedOrMissing() throws {
        // A future HAProxy: columns reordered, one added, `rtime` and `lbtot` gone.
        let csv = "# svname,pxname,new_counter,status,weight,stot,type,\nweb1,app,77,UP 1/3,20,5,2,\n"
        let table = try #require(HAProxyStatTable(csv: csv))
        let server = HAProxyServerStats(row: try #require(table.rows.first))
        #expect(server.stats.backend == "app")
        #expect(server.stats.name == "web1")
        #expect(server.stats.status == "UP 1/3")
        #expect(server.stats.weight == 20)
        #expect(server.stats.stot == 5)
        #expect(server.stats.rtime == 0)
        #expect(server.lbtot == 0)
        #expect(table.rows[0]["new_counter"] == "77")
        #expect(table.rows[0]["rtime"] == nil)
    }

    @Test func readsQuotedFieldsAndCRLF() throws {
        let csv = "# pxname,svname,status,last_chk,check_desc,\r\napp,web1,UP,\"HTTP status 503, \"\"busy\"\"\",Layer7 wrong status,\r\n"
        let table = try #require(HAProxyStatTable(csv: csv))
        let row = try #require(table.rows.first)
        #expect(row["last_chk"] == "HTTP status 503, \"busy\"")
        #expect(row["check_desc"] == "Layer7 wrong status")
        #expect(row["status"] == "UP")
        #expect(table.columns == ["pxname", "svname", "status", "last_chk", "check_desc"])
    }

    @Test(arguments: ["", "HTTP/1.1 400 Bad Request\r\n\r\n", "Unknown command\n", "# be_id be_name srv_id\n", "# status,weight\nUP,1\n"])
    func rejectsWhatIsNotShowStat(_ text: String) {
        #expect(HAProxyStatTable(csv: text) == nil)
    }

    @Test(arguments: [
        ("UP", "UP"), ("DOWN", "DOWN"), ("DRAIN", "DRAIN"), ("MAINT", "MAINT"), ("NOLB", "NOLB"), ("UP 1/3", "UP 1/3"),
        ("DOWN 1/2", "DOWN 1/2"), ("MAINT (via app/web1)", "MAINT"), ("MAINT (resolution)", "MAINT"), ("DOWN (agent)", "DOWN"),
        ("no check", "UP"),
    ])
    func reducesStatusToTheSharedVocabulary(raw: String, status: String) {
        #expect(HAProxyServerStats.status(from: raw) == status)
    }

    @Test func readsServersState() throws {
        let text = """
            1
            # be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status
            3 app 1 web1 127.0.0.1 2 0 100 100 4 15
            3 app 3 web3 127.0.0.1 2 8 70 50 0 15
            3 app 4 web4 127.0.0.1 0 1 100 100 6 8

            """
        let servers = try #require(HAProxyServerState.parse(text))
        #expect(servers.map(\.server) == ["web1", "web3", "web4"])
        #expect(servers.map(\.adminState) == [.ready, .drain, .maint])
        #expect(servers[1].userWeight == 70)
        #expect(servers[1].initialWeight == 50)
        #expect(servers[1].fields["srv_check_status"] == "15")
        #expect(HAProxyServerState.parse("Can't find backend.\n\n") == nil)
    }

    @Test func readsInfoAndWeight() throws {
        let info = try #require(HAProxyInfo.parse("Name: HAProxy\nVersion: 2.6.12-1+deb12u4\nPid: 15903\nUptime_sec: 4\n\n"))
        #expect(info.version == "2.6.12-1+deb12u4")
        #expect(info.processID == 15903)
        #expect(info.uptimeSeconds == 4)
        #expect(HAProxyInfo.parse("HTTP/1.1 200 OK\r\nServer: nginx\r\n") == nil)
        #expect(HAProxyWeight.parse("70 (initial 50)\n\n") == HAProxyWeight(current: 70, initial: 50))
        #expect(HAProxyWeight.parse("No such server.\n\n") == nil)
    }

    @Test func namesThatCouldSmuggleCommandsAreRefused() {
        #expect(HAProxyClient.isValidName("msg-pool_1.v2:a"))
        #expect(!HAProxyClient.isValidName("app; shutdown sessions"))
        #expect(!HAProxyClient.isValidName("app\nshow info"))
        #expect(!HAProxyClient.isValidName(""))
    }
}
