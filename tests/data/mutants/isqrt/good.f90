module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: isqrt
contains
  function isqrt(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer(int64) :: lo
    integer(int64) :: hi
    integer(int64) :: mid

    if (n <= 0_int64) then
      res = 0_int64
      return
    end if
    lo = 0_int64
    hi = 3037000499_int64
    if (n < hi) then
      hi = n
    end if
    do while (lo < hi)
      mid = py_floordiv_i(lo + hi + 1_int64, 2_int64)
      if (mid * mid <= n) then
        lo = mid
      else
        hi = mid - 1_int64
      end if
    end do
    res = lo
    return
  end function isqrt

  pure function py_floordiv_i(a, b) result(q)
    ! Python's a // b on ints floors; Fortran's a / b truncates toward zero.
    integer(int64), intent(in) :: a, b
    integer(int64) :: q
    q = a / b
    if (mod(a, b) /= 0_int64 .and. ((a < 0_int64) .neqv. (b < 0_int64))) q = q - 1_int64
  end function py_floordiv_i
end module candidate
