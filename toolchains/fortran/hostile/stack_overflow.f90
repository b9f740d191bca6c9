! attack: stack overflow by unbounded recursion with a large frame
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: hostile
contains
  function hostile(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    res = n
    if (deep(100000000_int64) == 100000000_int64) res = n + 1
  end function hostile

  recursive function deep(k) result(r)
    integer(int64), intent(in) :: k
    integer(int64) :: r
    integer(int64) :: frame(512)
    frame = k
    if (k <= 0) then
      r = 0
    else
      r = deep(k - 1) + 1 + (frame(1) - frame(512))
    end if
  end function deep
end module candidate
