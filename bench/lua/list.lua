-- list.lua: authenticated GET of the URL given to wrk (GET /api/tasks).
-- The same script drives todod and the nginx reference, so both get the
-- same request bytes. BENCH_TOKEN is the access token, BENCH_LUA this folder.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
