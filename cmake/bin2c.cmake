# cmake -DIN=file -DOUT=file.c -DNAME=sym -P bin2c.cmake: IN as
# const unsigned char NAME[] and const unsigned int NAME_len in OUT.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" body "${body}")
file(WRITE ${OUT} "/* generated from ${IN} by cmake/bin2c.cmake */\n"
     "const unsigned char ${NAME}[] __attribute__((aligned(8))) = {\n${body}\n};\n"
     "const unsigned int ${NAME}_len = ${len};\n")
