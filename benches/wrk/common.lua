-- Shared by the wrk scripts of benches/run: each thread's share of a list file, and one
-- `RESULT key=value ...` line at the end for the harness to read.
local M = {}

M.threads = {}
local started = 0

-- Called by wrk in the main Lua state for every thread before it starts.
function M.setup(thread)
  thread:set("index", started)
  started = started + 1
  table.insert(M.threads, thread)
end

-- The lines of `path` that fall to thread `index` of `count` (every count-th line).
function M.share(path, index, count)
  local mine = {}
  local i = 0
  for line in io.lines(path) do
    if line ~= "" then
      if i % count == index then
        table.insert(mine, line)
      end
      i = i + 1
    end
  end
  return mine
end

function M.done(summary, latency, requests)
  local exhausted = 0
  for _, t in ipairs(M.threads) do
    exhausted = exhausted + (tonumber(t:get("exhausted")) or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d " ..
    "p50_us=%d p99_us=%d mean_us=%.1f exhausted=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, exhausted))
end

return M
