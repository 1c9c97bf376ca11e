-- wrk: step commands (POST /api/v1/cases/{id}/steps), each on a case no other request is using.
--
-- The harness opens the cases first and lists them in $YG_CASES (`id<TAB>query_code` lines).
-- Each wrk thread takes every $YG_THREADS-th case and walks its cases round-robin, one round per
-- step of the demo licence's path with one 补正 loop (open = version 1):
--   apply -材料不齐全-> supplement (+ClockPaused) -已提交-> apply (+ClockResumed) -受理-> review
--   -书面审查符合条件-> decide -准予许可 (approver: 岗位分离)-> granted (+CaseConcluded)
-- so every request names the case's true expected_version without waiting for an answer: the
-- previous command on the same case was sent a whole round (#cases of the thread) earlier, and
-- each connection has one request in flight. A case that had not answered by then would get a
-- 409 and count as non-2xx; the harness reports non-2xx answers and refuses a run with many.
-- When a thread runs out of cases it sends requests that fail (counted as `exhausted`).
-- wrk 4.1 calls request() of thread 0 once before the run to check the request, and never sends
-- that one: thread 0 answers that call without moving on, or its first case would skip a step.
-- With YG_IDEMPOTENT=1 every request carries an Idempotency-Key of its own (case and round), as
-- a client that retries safely sends.
local common = dofile(os.getenv("YG_WRK_DIR") .. "/common.lua")

local plan = {
  { "材料不齐全，一次告知补正", 1, false },
  { "申请人已提交全部补正材料", 3, false },
  { "受理", 5, false },
  { "书面审查符合条件", 6, false },
  { "准予许可", 7, true },
}

setup = common.setup
done = common.done

local ids = {}
local k = 0
local officer, approver

function init(args)
  local n = tonumber(os.getenv("YG_THREADS"))
  for _, line in ipairs(common.share(os.getenv("YG_CASES"), tonumber(index), n)) do
    table.insert(ids, (line:match("^([^\t]+)")))
  end
  officer = { ["Content-Type"] = "application/json",
              ["Authorization"] = "Bearer " .. os.getenv("YG_OFFICER") }
  approver = { ["Content-Type"] = "application/json",
               ["Authorization"] = "Bearer " .. os.getenv("YG_APPROVER") }
  exhausted = 0
  verify_pending = tonumber(index) == 0
  idempotent = os.getenv("YG_IDEMPOTENT") == "1"
end

function request()
  local n = #ids
  local round = n > 0 and math.floor(k / n) + 1 or #plan + 1
  local step = plan[round]
  if not step then
    exhausted = exhausted + 1
    return wrk.format("POST", "/api/v1/cases/bench-out-of-cases/steps", officer, "{}")
  end
  local id = ids[(k % n) + 1]
  if verify_pending then
    verify_pending = false
  else
    k = k + 1
  end
  local body = string.format('{"outcome":"%s","expected_version":%d}', step[1], step[2])
  local headers = step[3] and approver or officer
  if idempotent then
    headers = { ["Content-Type"] = headers["Content-Type"], ["Authorization"] = headers["Authorization"],
                ["Idempotency-Key"] = id .. "-" .. round }
  end
  return wrk.format("POST", "/api/v1/cases/" .. id .. "/steps", headers, body)
end
