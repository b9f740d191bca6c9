! mutant zero_start: boundary
module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: row_max_sum
contains
  function row_max_sum(m) result(res)
    integer(int64), intent(in) :: m(:,:)
    integer(int64) :: res
    integer(int64) :: total
    integer(int64), allocatable :: row(:)
    integer(int64) :: best
    integer(int64) :: x
    integer(int64) :: t_k1
    integer(int64) :: t_k1a0a1

    total = 0_int64
    do t_k1 = 1, size(m, 1, kind=int64)
      row = m(t_k1, :)
      if (size(row, kind=int64) > 0_int64) then
        best = 0_int64
        do t_k1a0a1 = 1, size(row, kind=int64)
          x = row(t_k1a0a1)
          if (x > best) then
            best = x
          end if
        end do
        total = total + best
      end if
    end do
    res = total
    return
  end function row_max_sum
end module candidate
