build/decap.tmp.o: bpf/decap.bpf.c include/xlb/abi.h
include/xlb/abi.h:
