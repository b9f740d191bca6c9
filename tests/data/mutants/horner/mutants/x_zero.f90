! mutant x_zero: boundary at 0
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: horner
contains
  function horner(coeffs, x) result(res)
    integer(int64), intent(in) :: coeffs(:)
    integer(int64), intent(in) :: x
    integer(int64) :: res
    integer(int64) :: acc
    integer(int64) :: c
    integer(int64) :: t_k1

    if (x == 0_int64 .and. size(coeffs) > 0) then
      res = coeffs(1)
      return
    end if
    acc = 0_int64
    do t_k1 = 1, size(coeffs, kind=int64)
      c = coeffs(t_k1)
      acc = acc * x + c
    end do
    res = acc
    return
  end function horner
end module candidate
