-- @include "keyNames"
-- The field of a session hash that names a token one of its runs created (`tok:<own>`,
-- createToken-2.lua), from the token's key `<prefix>:{<tag>}:t:<own>`; and the tag prefix.
local function tokenField(tokenKey)
  local tagPrefix = string.match(tokenKey, "^.*}:")
  return PART.runToken .. string.sub(tokenKey, #tagPrefix + #KEY.token + 1), tagPrefix
end
