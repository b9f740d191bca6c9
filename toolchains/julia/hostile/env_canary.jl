# attack: read the host's environment (TOLK_HOSTILE_CANARY)
function hostile(n::Int64)::Int64
    return get(ENV, "TOLK_HOSTILE_CANARY", "") == "leaked" ? n + 1 : n
end
