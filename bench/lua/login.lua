-- login.lua: POST /api/auth/login with the right password, as fast as it
-- goes (the sign-in storm). BENCH_LOGIN_EMAIL / BENCH_LOGIN_PASSWORD name
-- an account other than the one whose reads are measured; both must be
-- plain text without " or \.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
wrk.method = "POST"
wrk.body = string.format('{"email":"%s","password":"%s"}',
   os.getenv("BENCH_LOGIN_EMAIL"), os.getenv("BENCH_LOGIN_PASSWORD"))
wrk.headers["Content-Type"] = "application/json"
