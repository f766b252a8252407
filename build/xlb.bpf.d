build/xlb.tmp.o: bpf/xlb.bpf.c bpf/maps.h include/xlb/abi.h
bpf/maps.h:
include/xlb/abi.h:
