! mutant drop_top_digit: early exit
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: digit_sum
contains
  function digit_sum(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    integer(int64) :: s
    integer(int64) :: n_copy

    n_copy = n

    if (n_copy < 0_int64) then
      n_copy = -n_copy
    end if
    s = 0_int64
    do while (n_copy > 9_int64)
      s = s + modulo(n_copy, 10_int64)
      n_copy = py_floordiv_i(n_copy, 10_int64)
    end do
    res = s
    return
  end function digit_sum

  pure function py_floordiv_i(a, b) result(q)
    ! Python's a // b on ints floors; Fortran's a / b truncates toward zero.
    integer(int64), intent(in) :: a, b
    integer(int64) :: q
    q = a / b
    if (mod(a, b) /= 0_int64 .and. ((a < 0_int64) .neqv. (b < 0_int64))) q = q - 1_int64
  end function py_floordiv_i
end module candidate
