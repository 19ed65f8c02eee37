-- Each request of the run at a new address (a throwaway parameter), so the API's remembered answers, kept
-- per address until the next edit, are not what is measured: each request reads its page from the database.
local counter = 0
local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"

request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. separator .. "bench_request=" .. counter)
end
