-- wrk: public status reads (GET /api/v1/public/cases/{tracking_no}?code=...), round-robin over
-- the cases listed in $YG_CASES (`id<TAB>query_code`), each thread its own share.
local common = dofile(os.getenv("YG_WRK_DIR") .. "/common.lua")

setup = common.setup
done = common.done

local paths = {}
local k = 0

function init(args)
  local n = tonumber(os.getenv("YG_THREADS"))
  for _, line in ipairs(common.share(os.getenv("YG_CASES"), tonumber(index), n)) do
    local id, code = line:match("^([^\t]+)\t(.+)$")
    table.insert(paths, "/api/v1/public/cases/" .. id .. "?code=" .. code)
  end
  exhausted = 0
end

function request()
  k = k + 1
  return wrk.format("GET", paths[(k % #paths) + 1])
end
