;; Line validator for the NDJSON reader's verify mode (json-validate.ts): for each line of a
;; block, "certainly a valid JSON text whose value is an EventBridge event" or "don't know".
;; Regenerate the module's bytes (json-validate-wasm.ts) with `bun plugins/file/json-validate-build.ts`.
;;
;; Memory: line records at [0, 65536) (16384 u32), the escape table at 65536 (256 bytes: 1 for
;; the characters a `\` may be followed by, other than `u`), the hex table at 65792 (1 for
;; 0-9 A-F a-f), the container stack at 66048 (one byte per depth, 0 object, 1 array; depth at
;; most 128), the block from 131072 on (positions passed and recorded are relative to it). The
;; caller writes a `\n` at the block's end (the sentinel, so no scan needs a bounds check) and
;; keeps 64 bytes after it addressable (16-byte loads read past it and ignore the rest).
;;
;; validate(start, end): `start` is a line start, `end` the sentinel's position. For each line
;; from `start` (ended by its first `\n`), in order, writes one u32 at 4 * k: the position of
;; its `\n` (`end` for the last line without one), with bit 31 set when the line is "yes":
;;   - the bytes are exactly one JSON text (RFC 8259) with only space, tab and CR around and
;;     between tokens: objects, arrays, strings (no byte < 0x20 inside; escapes \" \\ \/ \b \f
;;     \n \r \t \uXXXX; bytes >= 0x80 accepted as they are: the caller checked UTF-8),
;;     numbers -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, true, false, null;
;;   - nesting at most 128 deep;
;;   - the value is an object with top-level keys `source` and `detail-type` whose values are
;;     strings and a key `detail`, each exactly once, and no top-level key holds a backslash
;;     (an escaped key could spell one of them: "don't know").
;; Anything else is "don't know" (bit 31 clear). Stops after 16384 lines or at `end`; returns
;; the number of records written.
;;
;; A scalar state machine with one byte load per token; the inside of strings is skipped 16
;; bytes at a time (WASM SIMD: the first quote, backslash or byte < 0x20).
(module
  (memory (export "memory") 3)
  ;; The escape table: " / \ b f n r t.
  (data (i32.const 65570) "\01")
  (data (i32.const 65583) "\01")
  (data (i32.const 65628) "\01")
  (data (i32.const 65634) "\01")
  (data (i32.const 65638) "\01")
  (data (i32.const 65646) "\01")
  (data (i32.const 65650) "\01")
  (data (i32.const 65652) "\01")
  ;; The hex table: 0-9, A-F, a-f.
  (data (i32.const 65840) "\01\01\01\01\01\01\01\01\01\01")
  (data (i32.const 65857) "\01\01\01\01\01\01")
  (data (i32.const 65889) "\01\01\01\01\01\01")

  (global $quotes v128 (v128.const i8x16 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34))
  (global $backslashes v128 (v128.const i8x16 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92))
  (global $controls v128 (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
  (global $newlines v128 (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10))

  ;; Skips space, tab and CR from `p`.
  (func $ws (param $p i32) (result i32)
    (local $c i32)
    (block $done
      (loop $more
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $done
          (i32.and
            (i32.ne (local.get $c) (i32.const 32))
            (i32.and (i32.ne (local.get $c) (i32.const 9)) (i32.ne (local.get $c) (i32.const 13)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $more)))
    (local.get $p))

  ;; A string's contents from `p` (just after its opening quote): the position just after its
  ;; closing quote, or 0 when it is not a valid string before the line's end.
  (func $string (param $p i32) (result i32)
    (local $v v128)
    (local $m i32)
    (local $c i32)
    (local $e i32)
    (loop $more
      (local.set $v (v128.load (local.get $p)))
      (local.set $m
        (i8x16.bitmask
          (v128.or
            (v128.or (i8x16.eq (local.get $v) (global.get $quotes)) (i8x16.eq (local.get $v) (global.get $backslashes)))
            (i8x16.lt_u (local.get $v) (global.get $controls)))))
      (if (i32.eqz (local.get $m))
        (then
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br $more)))
      (local.set $p (i32.add (local.get $p) (i32.ctz (local.get $m))))
      (local.set $c (i32.load8_u (local.get $p)))
      (if (i32.eq (local.get $c) (i32.const 34))
        (then (return (i32.add (local.get $p) (i32.const 1)))))
      ;; A control character (the line's end among them): not a string.
      (if (i32.ne (local.get $c) (i32.const 92)) (then (return (i32.const 0))))
      (local.set $e (i32.load8_u offset=1 (local.get $p)))
      (if (i32.eq (local.get $e) (i32.const 117))
        (then
          ;; \uXXXX: four hex digits.
          (if (i32.eqz
                (i32.and
                  (i32.and
                    (i32.load8_u offset=65792 (i32.load8_u offset=2 (local.get $p)))
                    (i32.load8_u offset=65792 (i32.load8_u offset=3 (local.get $p))))
                  (i32.and
                    (i32.load8_u offset=65792 (i32.load8_u offset=4 (local.get $p)))
                    (i32.load8_u offset=65792 (i32.load8_u offset=5 (local.get $p))))))
            (then (return (i32.const 0))))
          (local.set $p (i32.add (local.get $p) (i32.const 6)))
          (br $more)))
      (if (i32.eqz (i32.load8_u offset=65536 (local.get $e))) (then (return (i32.const 0))))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (br $more))
    (unreachable))

  ;; A top-level key's contents from `p`: the position of its closing quote, or 0 when a
  ;; backslash or a control character comes first ("don't know").
  (func $plainKey (param $p i32) (result i32)
    (local $v v128)
    (local $m i32)
    (loop $more
      (local.set $v (v128.load (local.get $p)))
      (local.set $m
        (i8x16.bitmask
          (v128.or
            (v128.or (i8x16.eq (local.get $v) (global.get $quotes)) (i8x16.eq (local.get $v) (global.get $backslashes)))
            (i8x16.lt_u (local.get $v) (global.get $controls)))))
      (if (i32.eqz (local.get $m))
        (then
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br $more))))
    (local.set $p (i32.add (local.get $p) (i32.ctz (local.get $m))))
    (if (result i32) (i32.eq (i32.load8_u (local.get $p)) (i32.const 34))
      (then (local.get $p))
      (else (i32.const 0))))

  ;; Which of the three keys the plain key `[p, p + length)` is: 1 source, 2 detail-type,
  ;; 4 detail, 0 another.
  (func $keyId (param $p i32) (param $length i32) (result i32)
    (if (i32.eq (local.get $length) (i32.const 6))
      (then
        (if (i64.eq
              (i64.and (i64.load (local.get $p)) (i64.const 0xffffffffffff))
              (i64.const 0x656372756f73)) ;; "source"
          (then (return (i32.const 1))))
        (if (i64.eq
              (i64.and (i64.load (local.get $p)) (i64.const 0xffffffffffff))
              (i64.const 0x6c6961746564)) ;; "detail"
          (then (return (i32.const 4))))
        (return (i32.const 0))))
    (if (i32.eq (local.get $length) (i32.const 11))
      (then
        (if (i32.and
              (i64.eq (i64.load (local.get $p)) (i64.const 0x742d6c6961746564)) ;; "detail-t"
              (i32.eq
                (i32.and (i32.load offset=8 (local.get $p)) (i32.const 0xffffff))
                (i32.const 0x657079))) ;; "ype"
          (then (return (i32.const 2))))))
    (i32.const 0))

  ;; A number from `p`: the position just after it, or 0.
  (func $number (param $p i32) (result i32)
    (local $c i32)
    (local.set $c (i32.load8_u (local.get $p)))
    (if (i32.eq (local.get $c) (i32.const 45))
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $c (i32.load8_u (local.get $p)))))
    (if (i32.eq (local.get $c) (i32.const 48))
      (then (local.set $p (i32.add (local.get $p) (i32.const 1))))
      (else
        (if (i32.ge_u (i32.sub (local.get $c) (i32.const 49)) (i32.const 9))
          (then (return (i32.const 0))))
        (local.set $p (call $digits (i32.add (local.get $p) (i32.const 1))))))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 46))
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.ge_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)) (i32.const 10))
          (then (return (i32.const 0))))
        (local.set $p (call $digits (local.get $p)))))
    ;; `e` or `E` (only they are 0x65 with bit 5 set).
    (if (i32.eq (i32.or (i32.load8_u (local.get $p)) (i32.const 32)) (i32.const 101))
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $c (i32.load8_u (local.get $p)))
        (if (i32.or (i32.eq (local.get $c) (i32.const 43)) (i32.eq (local.get $c) (i32.const 45)))
          (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
        (if (i32.ge_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)) (i32.const 10))
          (then (return (i32.const 0))))
        (local.set $p (call $digits (local.get $p)))))
    (local.get $p))

  ;; Skips digits from `p`.
  (func $digits (param $p i32) (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)) (i32.const 10)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $more)))
    (local.get $p))

  ;; The first `\n` from `p` (the sentinel ends every search).
  (func $newline (param $p i32) (result i32)
    (local $m i32)
    (loop $more
      (local.set $m (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (global.get $newlines))))
      (if (i32.eqz (local.get $m))
        (then
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br $more))))
    (i32.add (local.get $p) (i32.ctz (local.get $m))))

  ;; The line from `p`: the position of its `\n` when it is "yes", else 0.
  (func $line (param $p i32) (result i32)
    (local $c i32)
    (local $depth i32)
    (local $state i32)
    (local $seen i32)
    (local $key i32)
    (local $q i32)
    (local.set $p (call $ws (local.get $p)))
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 123)) (then (return (i32.const 0))))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (local.set $depth (i32.const 1))
    (i32.store8 offset=66049 (i32.const 0) (i32.const 0))
    ;; States: 0 after `{`, 1 a key expected, 2 after `[`, 3 a value expected, 4 after a value.
    (local.set $state (i32.const 0))
    (loop $next
      (local.set $c (i32.load8_u (local.get $p)))
      (if (i32.le_u (local.get $c) (i32.const 32))
        (then
          (local.set $p (call $ws (local.get $p)))
          (local.set $c (i32.load8_u (local.get $p)))))
      (block $close
        (block $after
          (block $value
            (block $arrayFirst
              (block $key
                (block $objectFirst
                  (br_table $objectFirst $key $arrayFirst $value $after (local.get $state)))
                ;; After `{`: `}` or a key.
                (if (i32.eq (local.get $c) (i32.const 125))
                  (then
                    (local.set $p (i32.add (local.get $p) (i32.const 1)))
                    (br $close))))
              ;; A key, then `:`. Members with a string value loop here (most members are).
              (loop $member
              (if (i32.ne (local.get $c) (i32.const 34)) (then (return (i32.const 0))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (if (i32.eq (local.get $depth) (i32.const 1))
                (then
                  (local.set $q (call $plainKey (local.get $p)))
                  (if (i32.eqz (local.get $q)) (then (return (i32.const 0))))
                  (local.set $key (call $keyId (local.get $p) (i32.sub (local.get $q) (local.get $p))))
                  (local.set $p (i32.add (local.get $q) (i32.const 1))))
                (else
                  (local.set $key (i32.const 0))
                  (local.set $p (call $string (local.get $p)))
                  (if (i32.eqz (local.get $p)) (then (return (i32.const 0))))))
              (if (i32.le_u (i32.load8_u (local.get $p)) (i32.const 32))
                (then (local.set $p (call $ws (local.get $p)))))
              (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 58)) (then (return (i32.const 0))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (if (i32.le_u (i32.load8_u (local.get $p)) (i32.const 32))
                (then (local.set $p (call $ws (local.get $p)))))
              (if (local.get $key)
                (then
                  ;; Each of the three keys once; `source` and `detail-type` hold strings.
                  (if (i32.and (local.get $seen) (local.get $key)) (then (return (i32.const 0))))
                  (local.set $seen (i32.or (local.get $seen) (local.get $key)))
                  (if (i32.and
                        (i32.le_u (local.get $key) (i32.const 2))
                        (i32.ne (i32.load8_u (local.get $p)) (i32.const 34)))
                    (then (return (i32.const 0))))))
              (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 34))
                (then
                  ;; A string value, then `,` and the next key, or `}`.
                  (local.set $p (call $string (i32.add (local.get $p) (i32.const 1))))
                  (if (i32.eqz (local.get $p)) (then (return (i32.const 0))))
                  (if (i32.le_u (i32.load8_u (local.get $p)) (i32.const 32))
                    (then (local.set $p (call $ws (local.get $p)))))
                  (local.set $c (i32.load8_u (local.get $p)))
                  (if (i32.eq (local.get $c) (i32.const 44))
                    (then
                      (local.set $p (i32.add (local.get $p) (i32.const 1)))
                      (if (i32.le_u (i32.load8_u (local.get $p)) (i32.const 32))
                        (then (local.set $p (call $ws (local.get $p)))))
                      (local.set $c (i32.load8_u (local.get $p)))
                      (br $member)))
                  (if (i32.ne (local.get $c) (i32.const 125)) (then (return (i32.const 0))))
                  (local.set $p (i32.add (local.get $p) (i32.const 1)))
                  (br $close)))
              (local.set $state (i32.const 3))
              (br $next)))
            ;; After `[`: `]` or a value.
            (if (i32.eq (local.get $c) (i32.const 93))
              (then
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $close))))
          ;; A value.
          (local.set $state (i32.const 4))
          (if (i32.eq (local.get $c) (i32.const 34))
            (then
              (local.set $p (call $string (i32.add (local.get $p) (i32.const 1))))
              (if (i32.eqz (local.get $p)) (then (return (i32.const 0))))
              (br $next)))
          (if (i32.eq (local.get $c) (i32.const 123))
            (then
              (local.set $depth (i32.add (local.get $depth) (i32.const 1)))
              (if (i32.gt_u (local.get $depth) (i32.const 128)) (then (return (i32.const 0))))
              (i32.store8 offset=66048 (local.get $depth) (i32.const 0))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (local.set $state (i32.const 0))
              (br $next)))
          (if (i32.eq (local.get $c) (i32.const 91))
            (then
              (local.set $depth (i32.add (local.get $depth) (i32.const 1)))
              (if (i32.gt_u (local.get $depth) (i32.const 128)) (then (return (i32.const 0))))
              (i32.store8 offset=66048 (local.get $depth) (i32.const 1))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (local.set $state (i32.const 2))
              (br $next)))
          (if (i32.eq (local.get $c) (i32.const 116))
            (then
              (if (i32.ne (i32.load (local.get $p)) (i32.const 0x65757274)) (then (return (i32.const 0)))) ;; "true"
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (br $next)))
          (if (i32.eq (local.get $c) (i32.const 102))
            (then
              (if (i32.ne (i32.load offset=1 (local.get $p)) (i32.const 0x65736c61)) (then (return (i32.const 0)))) ;; "alse"
              (local.set $p (i32.add (local.get $p) (i32.const 5)))
              (br $next)))
          (if (i32.eq (local.get $c) (i32.const 110))
            (then
              (if (i32.ne (i32.load (local.get $p)) (i32.const 0x6c6c756e)) (then (return (i32.const 0)))) ;; "null"
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (br $next)))
          (local.set $p (call $number (local.get $p)))
          (if (i32.eqz (local.get $p)) (then (return (i32.const 0))))
          (br $next))
        ;; After a value: `,` or the container's own closing bracket.
        (if (i32.eqz (i32.load8_u offset=66048 (local.get $depth)))
          (then
            (if (i32.eq (local.get $c) (i32.const 44))
              (then
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $state (i32.const 1))
                (br $next)))
            (if (i32.ne (local.get $c) (i32.const 125)) (then (return (i32.const 0)))))
          (else
            (if (i32.eq (local.get $c) (i32.const 44))
              (then
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $state (i32.const 3))
                (br $next)))
            (if (i32.ne (local.get $c) (i32.const 93)) (then (return (i32.const 0))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1))))
      ;; A container closed.
      (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
      (if (local.get $depth)
        (then
          (local.set $state (i32.const 4))
          (br $next))))
    ;; The top-level object closed: only whitespace to the line's end, and the three keys seen.
    (local.set $p (call $ws (local.get $p)))
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 10)) (then (return (i32.const 0))))
    (if (i32.ne (local.get $seen) (i32.const 7)) (then (return (i32.const 0))))
    (local.get $p))

  (func (export "validate") (param $start i32) (param $end i32) (result i32)
    (local $pos i32)
    (local $stop i32)
    (local $count i32)
    (local $r i32)
    (local $yes i32)
    (local.set $pos (i32.add (local.get $start) (i32.const 131072)))
    (local.set $stop (i32.add (local.get $end) (i32.const 131072)))
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $pos) (local.get $stop)))
        (br_if $done (i32.ge_u (local.get $count) (i32.const 16384)))
        (local.set $r (call $line (local.get $pos)))
        (local.set $yes (i32.const 0x80000000))
        (if (i32.eqz (local.get $r))
          (then
            (local.set $r (call $newline (local.get $pos)))
            (local.set $yes (i32.const 0))))
        (i32.store
          (i32.shl (local.get $count) (i32.const 2))
          (i32.or (i32.sub (local.get $r) (i32.const 131072)) (local.get $yes)))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $pos (i32.add (local.get $r) (i32.const 1)))
        (br $more)))
    (local.get $count)))
