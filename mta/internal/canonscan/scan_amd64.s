//go:build amd64 && !purego

#include "textflag.h"

// func cleanAVX2(b []byte) int
// Position k is flagged when b[k] is a tab, or b[k] is a space and b[k+1]
// a space, CR or LF, or b[k+1] is an LF and b[k] not a CR. It compares 32
// positions at a time (b[i:i+32] and b[i+1:i+33]) and returns the first
// flagged position, or the first position it did not check.
TEXT ·cleanAVX2(SB), NOSPLIT, $0-32
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	XORQ AX, AX
	CMPQ CX, $33
	JB   done
	SUBQ $33, CX // the last i with i+33 <= len(b)
	MOVQ $0x20, R8
	MOVQ R8, X10
	VPBROADCASTB X10, Y10 // space
	MOVQ $0x0d, R8
	MOVQ R8, X11
	VPBROADCASTB X11, Y11 // CR
	MOVQ $0x0a, R8
	MOVQ R8, X12
	VPBROADCASTB X12, Y12 // LF
	MOVQ $0x09, R8
	MOVQ R8, X13
	VPBROADCASTB X13, Y13 // tab

loop:
	VMOVDQU  (SI)(AX*1), Y0  // b[i:i+32]
	VMOVDQU  1(SI)(AX*1), Y1 // b[i+1:i+33]
	VPCMPEQB Y10, Y0, Y2     // space here
	VPCMPEQB Y10, Y1, Y3     // space next
	VPCMPEQB Y11, Y1, Y4     // CR next
	VPCMPEQB Y12, Y1, Y5     // LF next
	VPOR     Y4, Y3, Y3
	VPOR     Y5, Y3, Y3
	VPAND    Y3, Y2, Y2      // space before space, CR or LF
	VPCMPEQB Y11, Y0, Y6     // CR here
	VPANDN   Y5, Y6, Y6      // LF next without CR here
	VPCMPEQB Y13, Y0, Y7     // tab here
	VPOR     Y6, Y2, Y2
	VPOR     Y7, Y2, Y2
	VPMOVMSKB Y2, BX
	TESTL    BX, BX
	JNZ      found
	ADDQ     $32, AX
	CMPQ     AX, CX
	JBE      loop
	VZEROUPPER

done:
	MOVQ AX, ret+24(FP)
	RET

found:
	BSFL BX, BX
	ADDQ BX, AX
	VZEROUPPER
	MOVQ AX, ret+24(FP)
	RET
