-- wrk script of bench/run.py: one scenario, each answer timed and logged.
--
--   BENCH_MODE=get BENCH_LINES=paths.tsv BENCH_OUT=out.json BENCH_THREADS=16 [BENCH_NONCE=x] \
--     wrk -t16 -c16 -d10s --timeout 30s -s bench/wrk/scenario.lua http://127.0.0.1:8301
--
-- Run it with as many threads as connections (-tN -cN): each thread then has one
-- connection, so its requests and answers alternate and each answer is timed against its
-- own request (a LuaJIT ffi clock), and a checkout thread is one buyer.
--
-- BENCH_MODE=get: GET the lines of BENCH_LINES ("path" or "path<TAB>bearer token") in
--   turn, each thread starting at its own place. With BENCH_NONCE, every request gets
--   `_bench=<nonce>-<thread>-<n>` appended: a URL never asked before, so no cached page
--   can answer it. Answers are counted by status and by their X-Cache header.
-- BENCH_MODE=checkout: thread N is the buyer on line N of BENCH_LINES ("token<TAB>address
--   id<TAB>payment method id<TAB>product id"): it puts one unit of its product in its cart
--   (POST /techaven/api/cart/items), then checks out (POST /techaven/api/orders), and again.
--   A cart refusal other than 409 "already in cart" (the product sold out) tries the cart
--   again.
--
-- Each thread writes one line per answer to BENCH_OUT.<thread> ("kind status cache
-- latency_us reason": kind is get, cart or order; cache the X-Cache header or -; reason
-- that of a refusal, one word, or -), and done() writes BENCH_OUT itself: {"duration_us",
-- "requests", "errors": {connect, read, write, status, timeout}}. (wrk 4.1 crashes when
-- done() copies a nested table out of a thread, hence files.)

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("bench_timespec")

local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
   return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

-- main thread: hands each thread its number (its files are flushed when wrk exits)
local threads = 0

function setup(thread)
   threads = threads + 1
   thread:set("tid", threads)
end

local function split(line)
   local fields = {}
   for field in (line .. "\t"):gmatch("([^\t]*)\t") do
      table.insert(fields, field)
   end
   return fields
end

-- per thread (each has its own Lua state): what it sends, and a file for what it saw
function init(args)
   mode = os.getenv("BENCH_MODE") or "get"
   nonce = os.getenv("BENCH_NONCE")
   lines = {}
   for line in io.lines(os.getenv("BENCH_LINES")) do
      if line ~= "" then
         table.insert(lines, split(line))
      end
   end
   log = assert(io.open(os.getenv("BENCH_OUT") .. "." .. tid, "w"))
   log:setvbuf("full")
   sent = 0
   started = 0
   kind = mode == "checkout" and "cart" or "get"
   -- get: spread the threads over the lines; checkout: one buyer per thread
   local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
   position = math.floor((tid - 1) * #lines / nthreads)
   buyer = lines[(tid - 1) % #lines + 1]
end

local function bearer(token)
   return { ["Authorization"] = "Bearer " .. token }
end

local function json_headers(token)
   return {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
   }
end

function request()
   started = now_us()
   if mode == "checkout" then
      if kind == "cart" then
         local body = string.format('{"product_id": %s, "quantity": 1}', buyer[4])
         return wrk.format("POST", "/techaven/api/cart/items", json_headers(buyer[1]), body)
      end
      local body = string.format(
         '{"shipping_address_id": "%s", "payment_method_id": "%s"}', buyer[2], buyer[3])
      return wrk.format("POST", "/techaven/api/orders", json_headers(buyer[1]), body)
   end
   position = position % #lines + 1
   local entry = lines[position]
   local path = entry[1]
   if nonce then
      sent = sent + 1
      local sep = path:find("?", 1, true) and "&" or "?"
      path = string.format("%s%s_bench=%s-%d-%d", path, sep, nonce, tid, sent)
   end
   local headers = nil
   if entry[2] ~= nil and entry[2] ~= "" then
      headers = bearer(entry[2])
   end
   return wrk.format("GET", path, headers)
end

-- why a request was refused, as one word: the body's "code" (CryptoShop, the back office)
-- or the start of its "message" (Techaven), e.g. Only_3_of_Bench_Phone_in_stock
local function reason(body)
   local code = body:match('"code"%s*:%s*"([%w_]+)"')
   if code then
      return code
   end
   local message = body:match('"message"%s*:%s*"([^"]*)"')
   if message then
      return (message:gsub("%d+", "N"):gsub("[^%w]+", "_"):sub(1, 48))
   end
   return "?"
end

function response(status, headers, body)
   local latency = now_us() - started
   local cache = headers["X-Cache"] or headers["x-cache"] or "-"
   local code = "-"
   if status >= 400 and body then
      code = reason(body)
   end
   log:write(string.format("%s %d %s %d %s\n", kind, status, cache, latency, code))
   if mode == "checkout" then
      if kind == "cart" then
         -- Techaven answers 409 "Item already in cart" (a checkout that failed left it)
         if status == 201 or status == 409 then
            kind = "order"
         end
      else
         kind = "cart"
      end
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   local out = assert(io.open(os.getenv("BENCH_OUT"), "w"))
   out:write(string.format(
      '{"duration_us": %d, "requests": %d, "errors": {"connect": %d, "read": %d, '
         .. '"write": %d, "status": %d, "timeout": %d}}\n',
      summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout))
   out:close()
end
