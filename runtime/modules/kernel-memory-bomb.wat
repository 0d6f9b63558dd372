;; A faulty kernel that grows memory by a page a call and never gives it back: once the
;; store's memory limit refuses to grow, the call traps.
(func $kernel (param $len i32) (result i32)
  (if (i32.lt_s (memory.grow (i32.const 1)) (i32.const 0))
    (then unreachable))
  (i32.const 0))
