! mutant e_zero: boundary at 0
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: ipow
contains
  function ipow(b, e) result(res)
    integer(int64), intent(in) :: b
    integer(int64), intent(in) :: e
    integer(int64) :: res
    integer(int64) :: r
    integer(int64) :: b_copy
    integer(int64) :: e_copy

    b_copy = b
    e_copy = e

    if (e_copy <= 0_int64) then
      res = 0_int64
      return
    end if
    r = 1_int64
    do while (e_copy > 0_int64)
      if (modulo(e_copy, 2_int64) == 1_int64) then
        r = r * b_copy
      end if
      e_copy = py_floordiv_i(e_copy, 2_int64)
      if (e_copy > 0_int64) then
        b_copy = b_copy * b_copy
      end if
    end do
    res = r
    return
  end function ipow

  pure function py_floordiv_i(a, b) result(q)
    ! Python's a // b on ints floors; Fortran's a / b truncates toward zero.
    integer(int64), intent(in) :: a, b
    integer(int64) :: q
    q = a / b
    if (mod(a, b) /= 0_int64 .and. ((a < 0_int64) .neqv. (b < 0_int64))) q = q - 1_int64
  end function py_floordiv_i
end module candidate
