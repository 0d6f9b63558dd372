;; A faulty module: it does the work but exports no health_check, so it cannot be
;; validated and a hot swap to it must fail.
(module
  (memory (export "memory") 2 256)
  (func (export "process") (param $len i32) (param $request i32) (result i32)
    (i32.const 0)))
