// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title Wesolowski
 * @notice Verifies a Wesolowski proof of sequential squaring in Z_N^*, for a 2048-bit modulus N given by the
 * caller (MEVMitigation's time-locks: the sender's RSA modulus, whose factorization only the sender knows), with
 * the modexp precompile.
 *
 * Claim: y = x^(2^T) mod N. Proof: π = x^⌊2^T / ℓ⌋ mod N, where ℓ is a 256-bit prime derived from
 * keccak256(abi.encode(keccak256("LP504-VDF"), N, x, y, T, nonce)) with the top and bottom bits set; the prover
 * picks the nonce that makes it prime (checked here with Miller-Rabin). Accept if π^ℓ · x^r ≡ ±y (mod N),
 * r = 2^T mod ℓ (working modulo ±1, as the group's sign is not hidden). N and T are part of the hash, so a proof
 * for fewer squarings or another modulus cannot pass.
 *
 * Numbers are eight big-endian 256-bit words. Multiplication mod N uses two squarings:
 * 4ab ≡ (a + b)² − (a − b)² (mod N), so the check is 4·π^ℓ·x^r ≡ ±4y.
 */
library Wesolowski {
    uint256 internal constant WORDS = 8;

    bytes32 internal constant DOMAIN = keccak256("LP504-VDF");

    /// @notice A usable puzzle: N odd with its top bit set (2048 bits), and 2^256 ≤ x < N − 1 (so x is none of
    /// 0, ±1 and no small number whose squares anyone could shortcut).
    function isPuzzle(uint256[WORDS] memory n, uint256[WORDS] memory x) internal pure returns (bool) {
        if (n[0] >> 255 == 0 || n[WORDS - 1] & 1 == 0) return false;
        bool large;
        for (uint256 i; i < WORDS - 1; ++i) if (x[i] != 0) large = true;
        uint256[WORDS] memory one;
        one[WORDS - 1] = 1;
        (uint256[WORDS] memory nMinusOne, ) = _sub(n, one);
        return large && _lt(x, nMinusOne);
    }

    function challenge(
        uint256[WORDS] memory n,
        uint256[WORDS] memory x,
        uint256[WORDS] memory y,
        uint256 t,
        uint256 nonce
    ) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(DOMAIN, n, x, y, t, nonce))) | (1 << 255) | 1;
    }

    /// @notice True iff (y, π, nonce) proves y = x^(2^T) mod N.
    function verify(
        uint256[WORDS] memory n,
        uint256[WORDS] memory x,
        uint256[WORDS] memory y,
        uint256[WORDS] memory pi,
        uint256 t,
        uint256 nonce
    ) internal view returns (bool) {
        // y must be canonical for the modular arithmetic below; a π ≥ N is reduced by the precompile and
        // proves nothing more than π mod N would.
        if (!_lt(y, n) || _isZero(y)) return false;
        uint256 ell = challenge(n, x, y, t, nonce);
        if (!isProbablePrime(ell)) return false;
        uint256[WORDS] memory fourAB = _fourTimesProduct(
            _expModN(pi, ell, n),
            _expModN(x, _expMod256(2, t, ell), n),
            n
        );
        uint256[WORDS] memory twoY = _addMod(y, y, n);
        uint256[WORDS] memory fourY = _addMod(twoY, twoY, n);
        if (_eq(fourAB, fourY)) return true;
        return _isZero(_addMod(fourAB, fourY, n)); // 4ab ≡ −4y
    }

    /// @dev 4ab mod N from two squarings: (a + b)² − (a − b)².
    function _fourTimesProduct(
        uint256[WORDS] memory a,
        uint256[WORDS] memory b,
        uint256[WORDS] memory n
    ) private view returns (uint256[WORDS] memory) {
        return _subMod(_expModN(_addMod(a, b, n), 2, n), _expModN(_subMod(a, b, n), 2, n), n);
    }

    /// @notice Miller-Rabin with the first 5 prime bases. ℓ comes from a hash the prover can only re-roll, so it
    /// is a random odd 256-bit number: by the Damgård–Landrock–Pomerance bound the chance that such a composite
    /// passes 5 rounds is about 2^-52, out of reach of grinding (each try also costs the prover a proof).
    function isProbablePrime(uint256 n) internal view returns (bool) {
        if (n < 41) return false; // ℓ has its top bit set
        uint256 d = n - 1;
        uint256 s;
        while (d & 1 == 0) {
            d >>= 1;
            ++s;
        }
        uint256 bases = 0x0b07050302; // 2, 3, 5, 7, 11, one per byte
        for (; bases != 0; bases >>= 8) {
            uint256 a = bases & 0xff;
            if (n % a == 0) return false;
            uint256 v = _expMod256(a, d, n);
            if (v == 1 || v == n - 1) continue;
            bool witness = true;
            for (uint256 j = 1; j < s; ++j) {
                v = mulmod(v, v, n);
                if (v == n - 1) {
                    witness = false;
                    break;
                }
            }
            if (witness) return false;
        }
        return true;
    }

    // ─────────────────────────────────── 2048-bit helpers ───────────────────────────────────
    // Eight big-endian words in memory. Written in assembly: the checked, bounds-checked Solidity loops cost
    // more than the two 2048-bit exponentiations' budget allows (measured: ~70k of overhead against ~25k).

    function _expMod256(uint256 base, uint256 exponent, uint256 modulus_) private view returns (uint256 result) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, 0x20)
            mstore(add(p, 0x20), 0x20)
            mstore(add(p, 0x40), 0x20)
            mstore(add(p, 0x60), base)
            mstore(add(p, 0x80), exponent)
            mstore(add(p, 0xa0), modulus_)
            if iszero(staticcall(gas(), 0x05, p, 0xc0, p, 0x20)) {
                revert(0, 0)
            }
            result := mload(p)
        }
    }

    /// @dev base^exponent mod n for 256-byte base and modulus, 32-byte exponent (input built in scratch memory).
    function _expModN(
        uint256[WORDS] memory base,
        uint256 exponent,
        uint256[WORDS] memory n
    ) private view returns (uint256[WORDS] memory out) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, 0x100)
            mstore(add(p, 0x20), 0x20)
            mstore(add(p, 0x40), 0x100)
            for {
                let i := 0
            } lt(i, 0x100) {
                i := add(i, 0x20)
            } {
                mstore(add(add(p, 0x60), i), mload(add(base, i)))
                mstore(add(add(p, 0x180), i), mload(add(n, i)))
            }
            mstore(add(p, 0x160), exponent)
            if iszero(staticcall(gas(), 0x05, p, 0x280, out, 0x100)) {
                revert(0, 0)
            }
        }
    }

    function _lt(uint256[WORDS] memory a, uint256[WORDS] memory b) private pure returns (bool r) {
        assembly ("memory-safe") {
            for {
                let i := 0
            } lt(i, 0x100) {
                i := add(i, 0x20)
            } {
                let x := mload(add(a, i))
                let y := mload(add(b, i))
                if iszero(eq(x, y)) {
                    r := lt(x, y)
                    break
                }
            }
        }
    }

    function _eq(uint256[WORDS] memory a, uint256[WORDS] memory b) private pure returns (bool r) {
        r = true;
        assembly ("memory-safe") {
            for {
                let i := 0
            } lt(i, 0x100) {
                i := add(i, 0x20)
            } {
                if iszero(eq(mload(add(a, i)), mload(add(b, i)))) {
                    r := 0
                    break
                }
            }
        }
    }

    function _isZero(uint256[WORDS] memory a) private pure returns (bool r) {
        r = true;
        assembly ("memory-safe") {
            for {
                let i := 0
            } lt(i, 0x100) {
                i := add(i, 0x20)
            } {
                if mload(add(a, i)) {
                    r := 0
                    break
                }
            }
        }
    }

    /// @dev c = a + b mod 2^2048, and the carry out.
    function _add(
        uint256[WORDS] memory a,
        uint256[WORDS] memory b
    ) private pure returns (uint256[WORDS] memory c, uint256 carry) {
        assembly ("memory-safe") {
            for {
                let i := 0x100
            } gt(i, 0) {} {
                i := sub(i, 0x20)
                let x := mload(add(a, i))
                let s := add(x, mload(add(b, i)))
                let s2 := add(s, carry)
                carry := or(lt(s, x), lt(s2, s))
                mstore(add(c, i), s2)
            }
        }
    }

    /// @dev c = a − b mod 2^2048, and the borrow out.
    function _sub(
        uint256[WORDS] memory a,
        uint256[WORDS] memory b
    ) private pure returns (uint256[WORDS] memory c, uint256 borrow) {
        assembly ("memory-safe") {
            for {
                let i := 0x100
            } gt(i, 0) {} {
                i := sub(i, 0x20)
                let x := mload(add(a, i))
                let y := mload(add(b, i))
                let d := sub(x, y)
                let d2 := sub(d, borrow)
                borrow := or(lt(x, y), lt(d, borrow))
                mstore(add(c, i), d2)
            }
        }
    }

    /// @dev (a + b) mod n for a, b < n: subtract n once if the sum reached it (or overflowed 2^2048).
    function _addMod(
        uint256[WORDS] memory a,
        uint256[WORDS] memory b,
        uint256[WORDS] memory n
    ) private pure returns (uint256[WORDS] memory c) {
        uint256 carry;
        (c, carry) = _add(a, b);
        if (carry == 1 || !_lt(c, n)) (c, ) = _sub(c, n);
    }

    /// @dev (a − b) mod n for a, b < n: add n back if the subtraction borrowed (wrapping arithmetic cancels).
    function _subMod(
        uint256[WORDS] memory a,
        uint256[WORDS] memory b,
        uint256[WORDS] memory n
    ) private pure returns (uint256[WORDS] memory c) {
        uint256 borrow;
        (c, borrow) = _sub(a, b);
        if (borrow == 1) (c, ) = _add(c, n);
    }
}
