-- report.lua: wrk's done() callback, shared by every workload script.
-- Prints one "BENCH key=value ..." line that bench/run.sh parses; wrk's own
-- text report (with --latency) is printed above it and kept for reading.
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d bytes=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f"
         .. " max_us=%.0f non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
