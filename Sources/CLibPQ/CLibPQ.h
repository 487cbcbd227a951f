// libpq, PostgreSQL's client library (Debian libpq-dev), for the PostgreSQL transcript store.
// Its include folder (/usr/include/postgresql on Debian) comes from pkg-config's libpq.pc.
#include <libpq-fe.h>
