# attack: exit(0) before the harness prints every record
function hostile(n::Int64)::Int64
    exit(0)
    return n + 1
end
