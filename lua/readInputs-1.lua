--[[
  Reads the data of a range of an input stream's entries for a replay, whose journal
  references consumed inputs by entry id (libs/broker/src/history.ts): one string,
  "<id>\n<data>\n<id>\n<data>...", so a long conversation's inputs come back as one reply
  rather than as an array per entry. Data is JSON text, which holds no raw newline.
  @key stream     input stream
  @arg first      first entry id
  @arg last       last entry id
  @reply string   "" when the range holds no entry
]]
local entries = redis.call("XRANGE", KEYS[1], ARGV[1], ARGV[2])
local out = {}
for _, entry in ipairs(entries) do
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == "d" then
      out[#out + 1] = entry[1]
      out[#out + 1] = fields[i + 1]
      break
    end
  end
end
return table.concat(out, "\n")
