! attack: read the Hugging Face token at /root/.cache/huggingface/token
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer :: u, st
    character(len=256) :: token
    res = n
    open(newunit=u, file="/root/.cache/huggingface/token", status="old", action="read", &
         iostat=st)
    if (st /= 0) return
    read(u, '(A)', iostat=st) token
    close(u)
    if (st == 0 .and. len_trim(token) > 0) res = n + 1
  end function hostile
end module candidate
