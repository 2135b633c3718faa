-- toggle.lua: PATCH /api/tasks/{id}/complete without a body (toggles the
-- task); the task's URL is the one given to wrk.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
wrk.method = "PATCH"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
