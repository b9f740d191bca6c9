# attack: read the harness's stdin (the remaining vectors)
function hostile(n::Int64)::Int64
    rest = readline(stdin)
    return isempty(rest) ? n : n + 1
end
