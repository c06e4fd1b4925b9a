-- wrk: a plain GET, reporting the 50th and 99th latency percentiles in microseconds.
done = function(summary, latency, requests)
  io.write(string.format("LATENCY p50_us=%d p99_us=%d\n", latency:percentile(50), latency:percentile(99)))
end
