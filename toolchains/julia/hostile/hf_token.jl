# attack: read the Hugging Face token at ~/.cache/huggingface/token
function hostile(n::Int64)::Int64
    for path in (expanduser("~/.cache/huggingface/token"), "/root/.cache/huggingface/token")
        if isfile(path) && !isempty(readchomp(path))
            return n + 1
        end
    end
    return n
end
