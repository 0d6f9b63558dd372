;; Lies about a crash: sets "done" beyond its batch, then traps.
(module
  (memory (export "memory") 2)
  (global (export "done") (mut i32) (i32.const 0))
  (data (i32.const 16) "OK")
  (func (export "health_check") (result i32 i32) (i32.const 16) (i32.const 2))
  (func (export "process_batch") (param $count i32) (param $len i32) (param $first i32) (result i32)
    (global.set 0 (i32.add (local.get $count) (i32.const 1000000)))
    unreachable))
