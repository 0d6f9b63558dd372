;; Its health check points outside its memory: (2^31 - 16, 100).
(module
  (memory (export "memory") 2)
  (func (export "health_check") (result i32 i32) (i32.const 0x7ffffff0) (i32.const 100))
  (func (export "process_batch") (param $count i32) (param $len i32) (param $first i32) (result i32)
    (i32.const 0)))
