! attack: memory bomb (allocate and touch 8 GiB; no forbidden construct at all)
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer(int64), allocatable :: big(:)
    integer :: st
    res = n
    allocate(big(1073741824_int64), stat=st)
    if (st /= 0) return
    big = n  ! touch every page
    if (big(size(big)) == n) res = n + 1
  end function hostile
end module candidate
