-- Readers of the newsroom scenario (benchmarks/newsroom.py): each request goes to an address picked at random
-- from the mix, a file of paths one a line given after `--`. The page cache marks each answer X-Page-Cache:
-- hit or miss; the counts are printed at the end as "newsroom: hits H misses M failures F".
paths = {}
hits, misses, failures = 0, 0, 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  local file = assert(io.open(args[1] or "", "r"), "newsroom.lua needs the address mix: wrk ... -- FILE")
  for line in file:lines() do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  file:close()
  assert(#paths > 0, "the address mix is empty")
  math.randomseed(1000 + (id or 0))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
  end
  local cache = headers["X-Page-Cache"]
  if cache == "hit" then
    hits = hits + 1
  elseif cache == "miss" then
    misses = misses + 1
  end
end

function done(summary, latency, requests)
  local h, m, f = 0, 0, 0
  for _, thread in ipairs(threads) do
    h = h + thread:get("hits")
    m = m + thread:get("misses")
    f = f + thread:get("failures")
  end
  io.write(string.format("newsroom: hits %d misses %d failures %d\n", h, m, f))
end
