module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: binom
contains
  function binom(n, k) result(res)
    integer(int64), intent(in) :: n
    integer(int64), intent(in) :: k
    integer(int64) :: res
    integer(int64) :: r
    integer(int64) :: i

    if (k < 0_int64 .or. k > n) then
      res = 0_int64
      return
    end if
    r = 1_int64
    do i = 1_int64, k + 1_int64 - 1
      r = py_floordiv_i(r * (n - k + i), i)
    end do
    res = r
    return
  end function binom

  pure function py_floordiv_i(a, b) result(q)
    ! Python's a // b on ints floors; Fortran's a / b truncates toward zero.
    integer(int64), intent(in) :: a, b
    integer(int64) :: q
    q = a / b
    if (mod(a, b) /= 0_int64 .and. ((a < 0_int64) .neqv. (b < 0_int64))) q = q - 1_int64
  end function py_floordiv_i
end module candidate
