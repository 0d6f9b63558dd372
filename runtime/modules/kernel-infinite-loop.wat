;; A faulty kernel that never returns: the fuel limit stops each call (a timeout).
(func $kernel (param $len i32) (result i32)
  (loop $forever (br $forever))
  (i32.const 0))
