;; image-processor v1.1.0: grayscale in floating point (0.299 R + 0.587 G + 0.114 B),
;; converting every channel to f32 and back.
(func $kernel (param $len i32) (result i32)
  (local $p i32) (local $end i32) (local $gray i32) (local $sum i32)
  (local.set $p (i32.const 1024))
  (local.set $end (i32.add (i32.const 1024) (local.get $len)))
  (block $done
    (loop $pixel
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $gray
        (i32.trunc_f32_u
          (f32.add (f32.add
            (f32.mul (f32.convert_i32_u (i32.load8_u (local.get $p))) (f32.const 0.299))
            (f32.mul (f32.convert_i32_u (i32.load8_u offset=1 (local.get $p))) (f32.const 0.587)))
            (f32.mul (f32.convert_i32_u (i32.load8_u offset=2 (local.get $p))) (f32.const 0.114)))))
      (i32.store8 (local.get $p) (local.get $gray))
      (i32.store8 offset=1 (local.get $p) (local.get $gray))
      (i32.store8 offset=2 (local.get $p) (local.get $gray))
      (local.set $sum (i32.add (local.get $sum) (local.get $gray)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $pixel)))
  (local.get $sum))
