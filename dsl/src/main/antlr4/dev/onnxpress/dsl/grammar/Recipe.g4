/*
 * The recipe language (see shared/design/RECIPES.md).
 *
 * Whitespace, newlines included, only separates tokens: statements need no terminator, so
 * `repeat max 3 { a()  b() }` fits on one line and a step's `tolerance { … }` may follow on the
 * next line. Words that only mean something in one place (version, using, max, max_drop,
 * original, previous) stay usable as names through the `ident` rule.
 *
 * Lexical errors never stop the lexer: an unclosed string becomes UNTERMINATED_STRING and any
 * other stray character BAD_CHAR. No rule accepts them, so the parser stops there and the
 * error strategy reports the lexical problem in plain words.
 */
grammar Recipe;

recipeFile : header statement* EOF ;

stepList   : (statement | COMMA)* EOF ;

header     : RECIPE STRING VERSION NUMBER ;

statement
    : dataDecl
    | verifyDecl
    | pipelineDecl
    | repeatStmt
    | tryStmt
    | step
    | SEMI
    ;

dataDecl     : DATA ident ASSIGN ident args ;
verifyDecl   : VERIFY (USING ident)? (ON ident (COMMA ident)*)? checkBlock ;
pipelineDecl : PIPELINE ident block ;
repeatStmt   : REPEAT MAX NUMBER block ;
tryStmt      : TRY ident IN list block ;
step         : ident args? tolerance? ;
tolerance    : TOLERANCE checkBlock ;

block        : LBRACE statement* RBRACE ;

args         : LPAREN (arg (COMMA arg)*)? RPAREN ;
// `name = value` or a positional value; the builder checks that a name is a plain word. Parsing
// the name as a value keeps every decision LL(1), which keeps syntax errors precise.
arg          : value (ASSIGN value)? ;

checkBlock   : LBRACE (check | SEMI | COMMA)* RBRACE ;
// `metric [vs ref] <op> bound [vs ref]` or `accuracy [vs ref] max_drop X [vs ref]`
check        : ident ref? (comparison | MAX_DROP) value ref? ;
comparison   : LE | GE | LT | GT ;
ref          : VS (ORIGINAL | PREVIOUS) ;

value
    : MINUS? (NUMBER (SLASH MINUS? NUMBER)? | PERCENT)  # numericValue
    | STRING                                # stringValue
    | (TRUE | FALSE)                        # boolValue
    | list                                  # listValue
    | setExpr                               # setValue
    ;

list         : LBRACK (value (COMMA value)* COMMA?)? RBRACK ;

// '&' binds tighter than '+' and '-', which associate to the left
setExpr
    : setExpr AMP setExpr                   # intersection
    | setExpr (PLUS | MINUS) setExpr        # unionOrDifference
    | ALL                                   # allSelector
    | ident (LPAREN STRING RPAREN)?         # wordOrCall
    | LPAREN setExpr RPAREN                 # parenthesized
    ;

ident
    : IDENT | VERSION | USING | ON | MAX | MAX_DROP | ORIGINAL | PREVIOUS
    ;

RECIPE    : 'recipe' ;
VERSION   : 'version' ;
DATA      : 'data' ;
VERIFY    : 'verify' ;
USING     : 'using' ;
ON        : 'on' ;
PIPELINE  : 'pipeline' ;
REPEAT    : 'repeat' ;
MAX       : 'max' ;
TRY       : 'try' ;
IN        : 'in' ;
TOLERANCE : 'tolerance' ;
MAX_DROP  : 'max_drop' ;
VS        : 'vs' ;
ORIGINAL  : 'original' ;
PREVIOUS  : 'previous' ;
TRUE      : 'true' ;
FALSE     : 'false' ;
ALL       : 'all' ;

LPAREN : '(' ;
RPAREN : ')' ;
LBRACE : '{' ;
RBRACE : '}' ;
LBRACK : '[' ;
RBRACK : ']' ;
COMMA  : ',' ;
SEMI   : ';' ;
ASSIGN : '=' ;
LE     : '<=' ;
GE     : '>=' ;
LT     : '<' ;
GT     : '>' ;
PLUS   : '+' ;
MINUS  : '-' ;
AMP    : '&' ;
SLASH  : '/' ;

PERCENT : UNSIGNED '%' ;
NUMBER  : UNSIGNED ;
STRING  : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"' ;
UNTERMINATED_STRING : '"' (~["\\\r\n] | '\\' ~[\r\n])* ;
IDENT   : [a-zA-Z_] [a-zA-Z0-9_]* ;

COMMENT : '#' ~[\r\n]* -> skip ;
WS      : [ \t\r\n\f]+ -> skip ;
BAD_CHAR : . ;

fragment UNSIGNED : DIGITS ('.' DIGITS?)? EXPONENT? | '.' DIGITS EXPONENT? ;
fragment DIGITS   : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? DIGITS ;
