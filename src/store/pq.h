/* pq.h: libpq, loaded at run time when a PostgreSQL store is first used.
 * todod is not linked with libpq: libpq and what it brings (OpenSSL, Kerberos,
 * LDAP, SASL: about 2.6 MiB of resident pages) are mapped only by a process
 * that opens a postgres:// database, so the SQLite default never holds them
 * and does not need libpq5 installed. Code that calls libpq includes this
 * header instead of <libpq-fe.h>, calls pq_load() before anything else of
 * libpq, and then calls libpq by its usual names: each name below stands for
 * a pointer pq_load() resolved in libpq.so.5. */
#ifndef TODOD_STORE_PQ_H
#define TODOD_STORE_PQ_H

#include <libpq-fe.h>
#include <stdbool.h>

/* every libpq function todod calls */
#define PQ_FUNCTIONS(X)                                                                                      \
	X(PQclear)                                                                                           \
	X(PQcmdTuples)                                                                                       \
	X(PQconnectPoll)                                                                                     \
	X(PQconnectStartParams)                                                                              \
	X(PQconsumeInput)                                                                                    \
	X(PQerrorMessage)                                                                                    \
	X(PQexec)                                                                                            \
	X(PQexecParams)                                                                                      \
	X(PQfinish)                                                                                          \
	X(PQflush)                                                                                           \
	X(PQgetResult)                                                                                       \
	X(PQgetisnull)                                                                                       \
	X(PQgetlength)                                                                                       \
	X(PQgetvalue)                                                                                        \
	X(PQisBusy)                                                                                          \
	X(PQnfields)                                                                                         \
	X(PQntuples)                                                                                         \
	X(PQpass)                                                                                            \
	X(PQresultErrorField)                                                                                \
	X(PQresultMemorySize)                                                                                \
	X(PQresultStatus)                                                                                    \
	X(PQsendPrepare)                                                                                     \
	X(PQsendQuery)                                                                                       \
	X(PQsendQueryParams)                                                                                 \
	X(PQsendQueryPrepared)                                                                               \
	X(PQsetNoticeProcessor)                                                                              \
	X(PQsetnonblocking)                                                                                  \
	X(PQsocket)                                                                                          \
	X(PQstatus)                                                                                          \
	X(PQtransactionStatus)

#define PQ_POINTER_DECLARE(f) extern __typeof__(f) *pq_##f;
PQ_FUNCTIONS(PQ_POINTER_DECLARE)
#undef PQ_POINTER_DECLARE

/* Loads libpq.so.5 and resolves every function above, once per process
 * (later calls return the first call's outcome). false, with the reason
 * written to stderr once, when libpq or one of its functions is missing:
 * then no libpq name may be called. */
bool pq_load(void);

#ifndef PQ_LOADER
#define PQclear              pq_PQclear
#define PQcmdTuples          pq_PQcmdTuples
#define PQconnectPoll        pq_PQconnectPoll
#define PQconnectStartParams pq_PQconnectStartParams
#define PQconsumeInput       pq_PQconsumeInput
#define PQerrorMessage       pq_PQerrorMessage
#define PQexec               pq_PQexec
#define PQexecParams         pq_PQexecParams
#define PQfinish             pq_PQfinish
#define PQflush              pq_PQflush
#define PQgetResult          pq_PQgetResult
#define PQgetisnull          pq_PQgetisnull
#define PQgetlength          pq_PQgetlength
#define PQgetvalue           pq_PQgetvalue
#define PQisBusy             pq_PQisBusy
#define PQnfields            pq_PQnfields
#define PQntuples            pq_PQntuples
#define PQpass               pq_PQpass
#define PQresultErrorField   pq_PQresultErrorField
#define PQresultMemorySize   pq_PQresultMemorySize
#define PQresultStatus       pq_PQresultStatus
#define PQsendPrepare        pq_PQsendPrepare
#define PQsendQuery          pq_PQsendQuery
#define PQsendQueryParams    pq_PQsendQueryParams
#define PQsendQueryPrepared  pq_PQsendQueryPrepared
#define PQsetNoticeProcessor pq_PQsetNoticeProcessor
#define PQsetnonblocking     pq_PQsetnonblocking
#define PQsocket             pq_PQsocket
#define PQstatus             pq_PQstatus
#define PQtransactionStatus  pq_PQtransactionStatus
#endif

#endif
