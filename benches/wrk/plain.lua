-- wrk: the URL given on the command line, unchanged (the /healthz baseline); only the RESULT line.
local common = dofile(os.getenv("YG_WRK_DIR") .. "/common.lua")
setup = common.setup
done = common.done
