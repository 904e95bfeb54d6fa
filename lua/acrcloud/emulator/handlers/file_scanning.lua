-- Handlers of the file_scanning area (being written).
local M = { handlers = {}, rules = {}, bindings = {} }

-- seed(state): collections and data this area starts with.
function M.seed(state) local _ = state end

return M
