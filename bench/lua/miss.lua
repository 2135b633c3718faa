-- miss.lua: the list of the URL given to wrk (BENCH_TOKEN's), each request
-- preceded by a write of another user (BENCH_WRITE_TOKEN toggles the task
-- at BENCH_WRITE_PATH). The write changes the database's data version, so
-- every list misses the server's per-thread list answers and reads the
-- store, the way the first list after any change does. Only the lists are
-- timed (CLOCK_MONOTONIC through LuaJIT's FFI, from the moment wrk asks for
-- the request to the moment the answer is whole); the writes are not.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
   ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local threads = {}
function setup(thread)
   table.insert(threads, thread)
end

local list_req, write_req, writing, t0
samples, list_bad, write_bad = {}, 0, 0

function init(args)
   list_req = wrk.format("GET", nil, { Authorization = "Bearer " .. os.getenv("BENCH_TOKEN") })
   write_req = wrk.format("PATCH", os.getenv("BENCH_WRITE_PATH"),
      { Authorization = "Bearer " .. os.getenv("BENCH_WRITE_TOKEN") })
   writing = false
end

function request()
   writing = not writing
   if writing then
      return write_req
   end
   t0 = now_us()
   return list_req
end

function response(status, headers, body)
   if writing then
      if status ~= 200 then write_bad = write_bad + 1 end
   else
      samples[#samples + 1] = now_us() - t0
      if status ~= 200 then list_bad = list_bad + 1 end
   end
end

-- The same "BENCH key=value ..." line as report.lua, over the lists only;
-- non2xx counts the failed lists and writes.
function done(summary, latency, requests)
   local all, bad = {}, 0
   for _, thread in ipairs(threads) do
      for _, v in ipairs(thread:get("samples")) do all[#all + 1] = v end
      bad = bad + thread:get("list_bad") + thread:get("write_bad")
   end
   table.sort(all)
   local function pct(p)
      if #all == 0 then return 0 end
      return all[math.max(1, math.ceil(#all * p / 100))]
   end
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d bytes=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f"
         .. " max_us=%.0f non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
      #all, summary.duration, summary.bytes, pct(50), pct(90), pct(99), pct(100),
      bad, e.connect, e.read, e.write, e.timeout))
end
