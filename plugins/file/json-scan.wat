;; Structural check of JSON array lines, for the array reader's line path (array-lines.ts).
;; Regenerate the module's bytes (json-scan-wasm.ts) with `bun plugins/file/json-scan-build.ts`.
;;
;; Memory: line records at [0, 65536), the block of input from 65536 on (positions below are
;; relative to it; the loads' offsets add 65536). Bytes [end, end + 64) of the block are read
;; and ignored: the caller keeps them addressable.
;;
;; verify(start, end): `start` is a line start, `end` is just after a newline, and at `start`
;; the array's grammar is between elements (not in a string, bracket depth 0). Each line from
;; `start` on is checked to be exactly one JSON array element as the exact scanner of
;; array-reader.ts would find it: optional whitespace, `{` or `[`, the text up to where the
;; bracket depth (counted outside strings, strings ending at a quote not escaped by an odd run
;; of backslashes) first returns to 0 at a `}` or `]`, then optional whitespace, at most one
;; `,`, optional whitespace and the newline. A blank line (whitespace only) passes too. A line
;; also fails when it ends inside a string or holds a backslash outside strings (valid JSON has
;; neither; refusing them keeps the mask model below identical to the exact scanner's).
;;
;; For each line that passes, in order, a record of four u32 at 16 * k: the line's start, the
;; element's start and end (without the comma and spaces; start = end = newline for a blank
;; line), and the newline's position with bit 31 set when a `,` follows the element. Stops
;; after 4096 records, at the first line that fails, or at `end`; returns the record count.
;;
;; The technique is simdjson's structural index, 64 bytes at a time: byte masks of quotes,
;; backslashes, brackets and newlines (WASM SIMD compares and bitmasks); characters escaped by
;; odd backslash runs (carried across blocks); the in-string mask as the prefix XOR of the
;; unescaped quotes (carried across blocks). Only brackets, newlines and backslashes outside
;; strings are then visited one by one (~20 per 800-byte event), with a scalar depth counter.
(module
  (memory (export "memory") 32)
  (func $mask (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result i64)
    (i64.or
      (i64.or
        (i64.extend_i32_u (i8x16.bitmask (local.get $a)))
        (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $b))) (i64.const 16)))
      (i64.or
        (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $c))) (i64.const 32))
        (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $d))) (i64.const 48)))))
  (func $isSpace (param $c i32) (result i32)
    (i32.or
      (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
      (i32.eq (local.get $c) (i32.const 13))))
  (func (export "verify") (param $start i32) (param $end i32) (result i32)
    (local $pos i32)
    (local $lineStart i32)
    (local $depth i32)
    (local $close i32)
    (local $count i32)
    (local $at i32)
    (local $c i32)
    (local $p i32)
    (local $first i32)
    (local $comma i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $n0 v128) (local $n1 v128) (local $n2 v128) (local $n3 v128)
    (local $quote v128) (local $backslash v128) (local $newline v128) (local $fold v128) (local $bracket v128)
    (local $bs i64) (local $q i64) (local $br i64) (local $nl i64)
    (local $escape i64) (local $follows i64) (local $odd i64) (local $sum i64)
    (local $escaped i64) (local $prevEscaped i64)
    (local $inString i64) (local $prevInString i64)
    (local $x i64)
    (local $events i64)
    (local.set $quote (i8x16.splat (i32.const 34)))
    (local.set $backslash (i8x16.splat (i32.const 92)))
    (local.set $newline (i8x16.splat (i32.const 10)))
    ;; `{` `[` `}` `]` (and Y y _ DEL, which valid JSON has only inside strings) OR 0x26 = 0x7F.
    (local.set $fold (i8x16.splat (i32.const 0x26)))
    (local.set $bracket (i8x16.splat (i32.const 0x7f)))
    (local.set $pos (local.get $start))
    (local.set $lineStart (local.get $start))
    (local.set $close (i32.const -1))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $pos) (local.get $end)))
        (local.set $v0 (v128.load offset=65536 align=1 (local.get $pos)))
        (local.set $v1 (v128.load offset=65552 align=1 (local.get $pos)))
        (local.set $v2 (v128.load offset=65568 align=1 (local.get $pos)))
        (local.set $v3 (v128.load offset=65584 align=1 (local.get $pos)))
        (local.set $q (call $mask
          (i8x16.eq (local.get $v0) (local.get $quote))
          (i8x16.eq (local.get $v1) (local.get $quote))
          (i8x16.eq (local.get $v2) (local.get $quote))
          (i8x16.eq (local.get $v3) (local.get $quote))))
        ;; Brackets: always (most blocks have some; a branch on them mispredicts).
        (local.set $br (call $mask
          (i8x16.eq (v128.or (local.get $v0) (local.get $fold)) (local.get $bracket))
          (i8x16.eq (v128.or (local.get $v1) (local.get $fold)) (local.get $bracket))
          (i8x16.eq (v128.or (local.get $v2) (local.get $fold)) (local.get $bracket))
          (i8x16.eq (v128.or (local.get $v3) (local.get $fold)) (local.get $bracket))))
        ;; Backslashes and newlines are rare: their masks only when the block has any.
        (local.set $e0 (i8x16.eq (local.get $v0) (local.get $backslash)))
        (local.set $e1 (i8x16.eq (local.get $v1) (local.get $backslash)))
        (local.set $e2 (i8x16.eq (local.get $v2) (local.get $backslash)))
        (local.set $e3 (i8x16.eq (local.get $v3) (local.get $backslash)))
        (local.set $n0 (i8x16.eq (local.get $v0) (local.get $newline)))
        (local.set $n1 (i8x16.eq (local.get $v1) (local.get $newline)))
        (local.set $n2 (i8x16.eq (local.get $v2) (local.get $newline)))
        (local.set $n3 (i8x16.eq (local.get $v3) (local.get $newline)))
        (local.set $bs (i64.const 0))
        (local.set $nl (i64.const 0))
        (if (v128.any_true (v128.or
              (v128.or (v128.or (local.get $e0) (local.get $e1)) (v128.or (local.get $e2) (local.get $e3)))
              (v128.or (v128.or (local.get $n0) (local.get $n1)) (v128.or (local.get $n2) (local.get $n3)))))
          (then
            (local.set $bs (call $mask (local.get $e0) (local.get $e1) (local.get $e2) (local.get $e3)))
            (local.set $nl (call $mask (local.get $n0) (local.get $n1) (local.get $n2) (local.get $n3)))))
        ;; Escaped characters (simdjson's escape scanner).
        (if (i64.eqz (local.get $bs))
          (then
            (local.set $escaped (local.get $prevEscaped))
            (local.set $prevEscaped (i64.const 0)))
          (else
            (local.set $escape (i64.and (local.get $bs) (i64.xor (local.get $prevEscaped) (i64.const -1))))
            (local.set $follows (i64.or (i64.shl (local.get $escape) (i64.const 1)) (local.get $prevEscaped)))
            (local.set $odd (i64.and (i64.and (local.get $escape) (i64.const 0xaaaaaaaaaaaaaaaa))
              (i64.xor (local.get $follows) (i64.const -1))))
            (local.set $sum (i64.add (local.get $odd) (local.get $escape)))
            (local.set $prevEscaped (i64.extend_i32_u (i64.lt_u (local.get $sum) (local.get $odd))))
            (local.set $escaped (i64.and
              (i64.xor (i64.const 0x5555555555555555) (i64.shl (local.get $sum) (i64.const 1)))
              (local.get $follows)))))
        ;; In-string mask: prefix XOR of the unescaped quotes, carried from the last block.
        (local.set $x (i64.and (local.get $q) (i64.xor (local.get $escaped) (i64.const -1))))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 1))))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 2))))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 4))))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 8))))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 16))))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 32))))
        (local.set $inString (i64.xor (local.get $x) (local.get $prevInString)))
        (local.set $prevInString (i64.shr_s (local.get $inString) (i64.const 63)))
        ;; Brackets and backslashes outside strings, and every newline.
        (local.set $events (i64.or
          (i64.and (i64.or (local.get $br) (local.get $bs)) (i64.xor (local.get $inString) (i64.const -1)))
          (local.get $nl)))
        (block $blockDone
          (loop $visit
            (br_if $blockDone (i64.eqz (local.get $events)))
            (local.set $at (i32.add (local.get $pos) (i32.wrap_i64 (i64.ctz (local.get $events)))))
            ;; Past the last complete line: what is left is not verified.
            (if (i32.ge_u (local.get $at) (local.get $end)) (then (return (local.get $count))))
            (local.set $c (i32.load8_u offset=65536 (local.get $at)))
            (if (i32.eq (local.get $c) (i32.const 10))
              (then
                ;; A line ends: not inside a string, whitespace then `{`/`[` at its start,
                ;; and the first return to depth 0 is its last bracket before `,` and spaces.
                (if (i32.wrap_i64 (i64.and (i64.shr_u (local.get $inString)
                      (i64.ctz (local.get $events))) (i64.const 1)))
                  (then (return (local.get $count))))
                (local.set $p (local.get $lineStart))
                (block $skipped
                  (loop $skip
                    (br_if $skipped (i32.ge_u (local.get $p) (local.get $at)))
                    (br_if $skipped (i32.eqz (call $isSpace (i32.load8_u offset=65536 (local.get $p)))))
                    (local.set $p (i32.add (local.get $p) (i32.const 1)))
                    (br $skip)))
                (local.set $first (local.get $p))
                (local.set $comma (i32.const 0))
                (if (i32.lt_u (local.get $p) (local.get $at))
                  (then
                    (local.set $c (i32.or (i32.load8_u offset=65536 (local.get $p)) (i32.const 0x20)))
                    (if (i32.ne (local.get $c) (i32.const 0x7b)) (then (return (local.get $count))))
                    (local.set $p (local.get $at))
                    (block $b1 (loop $l1
                      (br_if $b1 (i32.eqz (call $isSpace (i32.load8_u offset=65535 (local.get $p)))))
                      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                      (br $l1)))
                    (if (i32.eq (i32.load8_u offset=65535 (local.get $p)) (i32.const 44))
                      (then
                        (local.set $comma (i32.const 0x80000000))
                        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                        (block $b2 (loop $l2
                          (br_if $b2 (i32.eqz (call $isSpace (i32.load8_u offset=65535 (local.get $p)))))
                          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                          (br $l2)))))
                    (if (i32.ne (i32.sub (local.get $p) (i32.const 1)) (local.get $close))
                      (then (return (local.get $count))))))
                ;; The line passes: its record (see the module comment).
                (local.set $x (i64.extend_i32_u (i32.shl (local.get $count) (i32.const 4))))
                (i32.store offset=0 (i32.wrap_i64 (local.get $x)) (local.get $lineStart))
                (i32.store offset=4 (i32.wrap_i64 (local.get $x)) (local.get $first))
                (i32.store offset=8 (i32.wrap_i64 (local.get $x)) (local.get $p))
                (i32.store offset=12 (i32.wrap_i64 (local.get $x)) (i32.or (local.get $at) (local.get $comma)))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))
                (if (i32.eq (local.get $count) (i32.const 4096)) (then (return (local.get $count))))
                (local.set $lineStart (i32.add (local.get $at) (i32.const 1)))
                (local.set $depth (i32.const 0))
                (local.set $close (i32.const -1)))
              (else
                (if (i32.eq (local.get $c) (i32.const 92)) (then (return (local.get $count))))
                ;; Branch-free: `{` `[` one deeper, `}` `]` one up (Y y _ DEL neither); the
                ;; first return to depth 0 is kept.
                (local.set $c (i32.or (local.get $c) (i32.const 0x20)))
                (local.set $depth (i32.sub (i32.add (local.get $depth) (i32.eq (local.get $c) (i32.const 0x7b)))
                  (i32.eq (local.get $c) (i32.const 0x7d))))
                (local.set $close (select (local.get $at) (local.get $close)
                  (i32.and (i32.eqz (local.get $depth)) (i32.lt_s (local.get $close) (i32.const 0)))))))
            (local.set $events (i64.and (local.get $events) (i64.sub (local.get $events) (i64.const 1))))
            (br $visit)))
        (local.set $pos (i32.add (local.get $pos) (i32.const 64)))
        (br $blocks)))
    (local.get $count)))
