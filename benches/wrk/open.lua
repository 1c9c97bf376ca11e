-- wrk: opens cases of the demo licence power (POST /api/v1/cases) and keeps each answer's
-- `id<TAB>query_code` in $YG_OPEN_OUT.<thread> (data loading for the other scripts).
local common = dofile(os.getenv("YG_WRK_DIR") .. "/common.lua")

setup = common.setup
done = common.done

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("YG_OFFICER")
wrk.body = string.format(
  '{"power_code":"PD-SCJG-XK-001","channel":"window","received_at":"%s",' ..
  '"party":{"kind":"organisation","name":"上海某某餐饮管理有限公司","id_number":"91350100M000100Y43"}}',
  os.getenv("YG_RECEIVED_AT"))

local out

function init(args)
  out = assert(io.open(os.getenv("YG_OPEN_OUT") .. "." .. index, "w"))
  exhausted = 0
end

function response(status, headers, body)
  if status == 201 then
    local id = body:match('"id":"([^"]+)"')
    local code = body:match('"query_code":"([^"]+)"')
    if id and code then
      out:write(id, "\t", code, "\n")
      out:flush()
    end
  end
end
