import WarRoomKit
print(Instant(milliseconds: 0).iso8601)
