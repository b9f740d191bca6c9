! mutant rows_only: column overrun
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: diag_sum
contains
  function diag_sum(m) result(res)
    integer(int64), intent(in) :: m(:,:)
    integer(int64) :: res
    integer(int64) :: n
    integer(int64) :: total
    integer(int64) :: i
    integer(int64), allocatable :: t_r1x0x1x0(:)

    if (size(m, 1, kind=int64) == 0_int64) then
      res = 0_int64
      return
    end if
    t_r1x0x1x0 = m(1, :)
    n = size(m, 1, kind=int64)
    total = 0_int64
    do i = 0_int64, n - 1
      total = total + m(i + 1, i + 1)
    end do
    res = total
    return
  end function diag_sum
end module candidate
