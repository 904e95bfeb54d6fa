-- Orders for table.sort.
local M = {}

-- by(first, second) -> a comparator of records: by the field `first`, and
-- where that is equal by `second` (a key that tells every record apart, so
-- that the order does not depend on the sort's own).
function M.by(first, second)
  return function(a, b)
    if a[first] ~= b[first] then return a[first] < b[first] end
    return a[second] < b[second]
  end
end

return M
