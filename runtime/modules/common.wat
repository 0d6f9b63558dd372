;; The part every image-processor version shares: memory, the fault knobs, health_check.
;; A catalogue entry wraps this and one kernel file in (module ...).
;;
;; Knobs (exported mutable globals, set by the worker when it instantiates the module,
;; from the scenario's fault profile; ppm = parts per million):
;;   node_key      0..999999, the node's own draw: a node is afflicted by a fault of
;;                 rate r when node_key < r * 1e6
;;   hc_fail_ppm   health_check answers "FAIL" on afflicted nodes
;;   crash_ppm     a request traps (the instance crashes) on afflicted nodes after 20 calls
;;   error_ppm     that share of requests fail (status 1)
;;   work_permille a request processes its image work_permille / 1000 times (latency)
;; Requests come in batches: process_batch writes one status byte a request at offset 256
;; and counts finished requests in the exported global "done".
(memory (export "memory") 2 256)
(global $node_key (export "node_key") (mut i32) (i32.const 0))
(global $hc_fail_ppm (export "hc_fail_ppm") (mut i32) (i32.const 0))
(global $crash_ppm (export "crash_ppm") (mut i32) (i32.const 0))
(global $error_ppm (export "error_ppm") (mut i32) (i32.const 0))
(global $work_permille (export "work_permille") (mut i32) (i32.const 1000))
(global $done (export "done") (mut i32) (i32.const 0))
(global $calls (mut i32) (i32.const 0))
(data (i32.const 16) "OK")
(data (i32.const 24) "FAIL")

;; The guide's health check: returns the string "OK" as (pointer, length).
(func (export "health_check") (result i32 i32)
  (if (result i32 i32) (i32.lt_u (global.get $node_key) (global.get $hc_fail_ppm))
    (then (i32.const 24) (i32.const 4))
    (else (i32.const 16) (i32.const 2))))

;; One request over the RGBA image at offset 1024: status 0 (done) or 1 (failed).
(func $request (param $len i32) (param $id i32) (result i32)
  (local $left i32)
  (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
  (if (i32.and (i32.lt_u (global.get $node_key) (global.get $crash_ppm))
               (i32.gt_u (global.get $calls) (i32.const 20)))
    (then unreachable))
  (local.set $left (i32.div_u (i32.mul (local.get $len) (global.get $work_permille)) (i32.const 1000)))
  (block $end
    (loop $pass
      (br_if $end (i32.eqz (local.get $left)))
      (if (i32.lt_u (local.get $left) (local.get $len)) (then (local.set $len (local.get $left))))
      (drop (call $kernel (local.get $len)))
      (local.set $left (i32.sub (local.get $left) (local.get $len)))
      (br $pass)))
  (i32.lt_u (i32.rem_u (i32.mul (i32.add (local.get $id) (global.get $node_key)) (i32.const 2654435761))
                       (i32.const 1000000))
            (global.get $error_ppm)))

;; process_batch(count, len, first): requests first..first+count-1; returns how many failed.
(func (export "process_batch") (param $count i32) (param $len i32) (param $first i32) (result i32)
  (local $i i32) (local $status i32) (local $failed i32)
  (global.set $done (i32.const 0))
  (block $end
    (loop $next
      (br_if $end (i32.ge_u (local.get $i) (local.get $count)))
      (local.set $status (call $request (local.get $len) (i32.add (local.get $first) (local.get $i))))
      (i32.store8 offset=256 (local.get $i) (local.get $status))
      (local.set $failed (i32.add (local.get $failed) (local.get $status)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (global.set $done (local.get $i))
      (br $next)))
  (local.get $failed))
